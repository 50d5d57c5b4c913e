package proto

import (
	"testing"

	"github.com/alsh/alsh/builtins"
)

// TestCallTableFitsProtoOps: a call table longer than protoOps would turn
// proto-nodes off without a word (every fork would start a Go runtime).
func TestCallTableFitsProtoOps(t *testing.T) {
	if len(builtins.Table) > protoOps {
		t.Fatalf("the call table has %d calls, protoOps only %d: raise protoOps", len(builtins.Table), protoOps)
	}
}
