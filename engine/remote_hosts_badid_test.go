package engine

import (
	"errors"
	"math"
	"testing"

	"github.com/alsh/alsh/builtins"
)

// A pipeline whose first element is no host's -id is a bad pid, even the
// most negative int (whose negation is itself), never a panic.
func TestHostCallBadID(t *testing.T) {
	e, ctx := start(t)
	e.Watch(func(builtins.Message) {}) // makes the engine's set of hosts
	for _, first := range []int{-1, math.MinInt} {
		_, err := e.Call(ctx, []int{first}, "getpid", nil)
		var bp *BadPidError
		if !errors.As(err, &bp) {
			t.Errorf("pipeline [%d]: %v, want a bad pid", first, err)
		}
	}
}
