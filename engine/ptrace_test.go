package engine

import (
	"testing"

	"github.com/alsh/alsh/builtins"
)

// alcove test 51 (ptrace): a traced child stops at its exec, the parent
// sees sigchld and the stop through waitpid, and ptrace_cont lets the
// program run. A ptrace stop is not an exit: the node keeps the child.
func TestAlcovePtrace(t *testing.T) {
	e, ctx := start(t)
	p := fork(t, e, ctx, nil)
	if old := call(t, e, ctx, p, "sigaction", builtins.Const("sigchld"), builtins.Const("sig_info")); builtins.Format(old) != "sig_dfl" {
		t.Fatalf("old sigchld action = %v, want sig_dfl", old)
	}
	c := fork(t, e, ctx, p)
	zero := int64(0)
	call(t, e, ctx, c, "ptrace", builtins.Const("ptrace_traceme"), zero, zero, zero)
	call(t, e, ctx, c, "execvp", "/bin/cat", []any{"cat"})
	if ev := event(t, e, ctx, p); builtins.Format(ev) != `{signal: "sigchld"}` {
		t.Fatalf("parent's event = %s, want sigchld", builtins.Format(ev))
	}
	r := call(t, e, ctx, p, "waitpid", int64(-1), []any{builtins.Const("wnohang")}).(builtins.Record)
	if r["pid"] != int64(leaf(c)) || r["stopsig"] != "sigtrap" {
		t.Fatalf("waitpid = %s, want the child stopped by sigtrap", builtins.Format(r))
	}
	r = call(t, e, ctx, p, "waitpid", int64(-1), []any{builtins.Const("wnohang")}).(builtins.Record)
	if r["pid"] != zero {
		t.Fatalf("second waitpid = %s, want nothing pending", builtins.Format(r))
	}
	call(t, e, ctx, p, "ptrace", builtins.Const("ptrace_cont"), int64(leaf(c)), zero, zero)
	call(t, e, ctx, c, "stdin", "test\n")
	if out := call(t, e, ctx, c, "stdout", int64(5000)); out != "test\n" {
		t.Fatalf("the traced cat echoed %q", out)
	}
}

// With sigchld reaped (the default), a traced child's stop comes as an
// event on its pipeline, and the node keeps the child: after ptrace_cont
// it runs, and its exit is reported as usual.
func TestPtraceStopIsAnEvent(t *testing.T) {
	e, ctx := start(t)
	p := fork(t, e, ctx, nil)
	c := fork(t, e, ctx, p)
	zero := int64(0)
	call(t, e, ctx, c, "ptrace", builtins.Const("ptrace_traceme"), zero, zero, zero)
	call(t, e, ctx, c, "execvp", "/bin/cat", []any{"cat"})
	if ev := event(t, e, ctx, c); builtins.Format(ev) != `{stopsig: "sigtrap"}` {
		t.Fatalf("event = %s, want the stop", builtins.Format(ev))
	}
	call(t, e, ctx, p, "ptrace", builtins.Const("ptrace_cont"), int64(leaf(c)), zero, zero)
	call(t, e, ctx, c, "stdin", "again\n")
	if out := call(t, e, ctx, c, "stdout", int64(5000)); out != "again\n" {
		t.Fatalf("the traced cat echoed %q", out)
	}
	call(t, e, ctx, c, "eof")
	if ev := event(t, e, ctx, c); builtins.Format(ev) != "{exit_status: 0}" {
		t.Fatalf("event = %s, want the exit", builtins.Format(ev))
	}
}
