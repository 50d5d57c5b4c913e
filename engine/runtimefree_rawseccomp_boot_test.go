package engine

import (
	"encoding/binary"
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// A filter given as bytes that denies execveat (the boot of a proto-node)
// leaves the process answering the calls that need a node.
func TestSeccompDenyingExecveatThenNodeCall(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	e, ctx := start(t)
	var b []byte
	ins := func(code uint16, jt, jf uint8, k uint32) {
		b = binary.LittleEndian.AppendUint16(b, code)
		b = append(b, jt, jf)
		b = binary.LittleEndian.AppendUint32(b, k)
	}
	ins(0x20, 0, 0, 0) // the syscall number (no arch check: a test filter)
	ins(0x15, 0, 1, 322)
	ins(0x06, 0, 0, 0x00050001)
	ins(0x06, 0, 0, 0x7fff0000)
	pl := fork(t, e, ctx, nil)
	call(t, e, ctx, pl, "no_new_privs")
	call(t, e, ctx, pl, "seccomp", builtins.Const("seccomp_set_mode_filter"), int64(0), string(b))
	if _, err := e.Call(ctx, pl, bootCall[0].(string), bootCall[1:]); err != nil {
		t.Errorf("%v after the filter: %v", bootCall, err)
	}
}
