package engine

import (
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// A proto-node that sets secbit_noroot and then boots keeps its
// capabilities, as a node that set it does: the bit takes nothing away
// from the process that sets it, but the boot's exec of a file without
// capabilities would give root none under it.
func TestRuntimeFreeNorootThenBootKeepsCapabilities(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	e, ctx := start(t)
	var eff [2]uint64
	for i, boot := range []bool{false, true} {
		pl := fork(t, e, ctx, nil)
		if !boot {
			bootNode(t, e, ctx, pl) // a node makes securebits_set
		}
		call(t, e, ctx, pl, "securebits_set", []any{builtins.Const("secbit_noroot")})
		if boot {
			bootNode(t, e, ctx, pl) // the proto-node boots after it
		}
		eff[i] = capBits(t, e, pl, "CapEff")
	}
	if eff[0] != eff[1] {
		t.Errorf("CapEff %x after securebits_set then a boot, want %x as in a node", eff[1], eff[0])
	}
}
