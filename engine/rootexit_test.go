package engine

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// The root's exit event says how it ended: killed, it is a termsig, not
// exit_status 0; and the children that went with it are no longer listed.
func TestRootKilledReportsTermsig(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	rootPid := int(call(t, e, ctx, nil, "getpid").(int64))
	if _, err := e.Call(ctx, nil, "kill", []any{int64(rootPid), builtins.Const("sigkill")}); err == nil {
		t.Fatal("kill of the root by itself answered")
	}
	ev := event(t, e, ctx, nil)
	if rec, ok := ev.(builtins.Record); !ok || rec["termsig"] != "sigkill" {
		t.Fatalf("root's exit event: %v, want {termsig: sigkill}", ev)
	}
	if l := call(t, e, ctx, nil, "cpid").([]any); len(l) != 0 {
		t.Errorf("cpid [] of a dead root: %v, want []", l)
	}
	if ps := e.Processes(); len(ps) != 0 {
		t.Errorf("tree of a dead root lists %v", ps)
	}
	if _, err := e.Call(ctx, c, "getpid", nil); !errors.Is(err, builtins.ErrBadPid) {
		t.Errorf("getpid on a child of the dead root: %v, want badpid", err)
	}
}

// The same when the root is killed from outside.
func TestRootKilledFromOutside(t *testing.T) {
	e, ctx := start(t)
	unix.Kill(e.hostPid(t, nil), unix.SIGKILL)
	ev := event(t, e, ctx, nil)
	if rec, ok := ev.(builtins.Record); !ok || rec["termsig"] != "sigkill" {
		t.Fatalf("root's exit event: %v, want {termsig: sigkill}", ev)
	}
}

// A child that exec'd a program which exited leaves cpid.
func TestCpidDropsExitedProgram(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "execvp", "/bin/true", []any{"true"})
	if ev := event(t, e, ctx, c); ev.(builtins.Record)["exit_status"] != int64(0) {
		t.Fatalf("exit event %v", ev)
	}
	deadline := time.Now().Add(time.Second)
	for len(call(t, e, ctx, nil, "cpid").([]any)) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("cpid keeps %v after its exit", call(t, e, ctx, nil, "cpid"))
		}
		time.Sleep(time.Millisecond)
	}
}
