package engine

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// seccomp_load of a policy record, compiled by the engine and installed
// by the runtime-free seccomp call, leaves a proto-node a proto-node under
// the filter, with the result a node gives for the same policy; the
// filter then refuses what it denies, to the proto-node and to the
// program it execs.
func TestRuntimeFreeSeccompLoad(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	e, ctx := start(t)
	policy := builtins.Record{"default": builtins.Const("allow"), "rules": []any{
		builtins.Record{"syscall": "sethostname", "action": builtins.Record{"errno": builtins.Const("eperm")}},
		builtins.Record{"syscall": "mkdirat", "action": builtins.Record{"errno": builtins.Const("eacces")}},
	}}
	flags := []any{builtins.Const("clone_newuts")}
	var results []string
	for _, boot := range []bool{false, true} {
		pl := []int{int(call(t, e, ctx, nil, "clone", flags).(int64))}
		if boot {
			bootNode(t, e, ctx, pl)
		}
		call(t, e, ctx, pl, "no_new_privs")
		results = append(results, builtins.Format(call(t, e, ctx, pl, "seccomp_load", policy)))
		if _, err := e.Call(ctx, pl, "sethostname", []any{"box"}); !errors.Is(err, unix.EPERM) {
			t.Errorf("booted %v: sethostname under the filter: %v, want eperm", boot, err)
		}
		if _, err := e.Call(ctx, pl, "mkdir", []any{"/tmp/never", int64(0o700)}); !errors.Is(err, unix.EACCES) {
			t.Errorf("booted %v: mkdir under the filter: %v, want eacces", boot, err)
		}
		if !boot && !isProto(t, e, pl) {
			t.Error("seccomp_load booted the proto-node")
		}
		call(t, e, ctx, pl, "execvp", "/bin/cat", []any{"cat", "/proc/self/status"})
		if out := outputOf(t, e, pl); !strings.Contains(out, "Seccomp:\t2\n") {
			t.Errorf("booted %v: the program's status %q, want Seccomp 2", boot, out)
		}
	}
	if results[0] != results[1] || !strings.Contains(results[0], "instructions:") {
		t.Errorf("seccomp_load's result: proto-node %s, node %s", results[0], results[1])
	}
}

// A seccomp_load the kernel refuses answers, from a proto-node and from a
// node, with seccomp_load's own error.
func TestRuntimeFreeSeccompLoadErrors(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	policy := builtins.Record{"default": builtins.Const("allow"), "rules": []any{}}
	var got []string
	for _, boot := range []bool{false, true} {
		pl := fork(t, e, ctx, nil)
		if boot {
			bootNode(t, e, ctx, pl)
		}
		call(t, e, ctx, pl, "setuid", int64(65534)) // no cap_sys_admin, no no_new_privs
		_, err := e.Call(ctx, pl, "seccomp_load", []any{policy})
		if !errors.Is(err, unix.EACCES) {
			t.Fatalf("booted %v: %v, want eacces", boot, err)
		}
		got = append(got, err.Error())
	}
	if got[0] != got[1] || !strings.Contains(got[0], "no_new_privs") {
		t.Errorf("proto-node %q, node %q", got[0], got[1])
	}
	// A call filter that denies seccomp_load denies it compiled too.
	pl := fork(t, e, ctx, nil)
	call(t, e, ctx, pl, "filter", []any{"seccomp_load"})
	if _, err := e.Call(ctx, pl, "seccomp_load", []any{policy}); err == nil || !strings.Contains(err.Error(), "filtered") {
		t.Errorf("seccomp_load denied by the filter: %v", err)
	}
}
