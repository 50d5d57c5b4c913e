package engine

import (
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// A filter that denies execveat (the boot's exec of the node binary)
// loaded by a proto-node leaves it serving the calls a node serves, as a
// node that loaded it does: a call that needs the node afterwards
// answers.
func TestSeccompLoadDenyingExecveatThenNodeCall(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	e, ctx := start(t)
	deny := builtins.Record{"default": builtins.Const("allow"), "rules": []any{
		builtins.Record{"syscall": "execveat", "action": builtins.Record{"errno": builtins.Const("eperm")}}}}
	for _, boot := range []bool{true, false} {
		pl := fork(t, e, ctx, nil)
		if boot {
			bootNode(t, e, ctx, pl)
		}
		call(t, e, ctx, pl, "no_new_privs")
		call(t, e, ctx, pl, "seccomp_load", deny)
		if _, err := e.Call(ctx, pl, bootCall[0].(string), bootCall[1:]); err != nil {
			t.Errorf("node %v: %v after the filter: %v", boot, bootCall, err)
		}
	}
}
