package engine

import (
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// alcove test 8 (cpid): a child with one grandchild lists one record,
// marked exec'd once the grandchild runs cat.
func TestCpidAlcove8(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	gc := fork(t, e, ctx, c)
	l := call(t, e, ctx, c, "cpid").([]any)
	if len(l) != 1 || l[0].(builtins.Record)["pid"] != int64(leaf(gc)) {
		t.Fatalf("cpid = %s", builtins.Format(l))
	}
	call(t, e, ctx, gc, "execvp", "/bin/cat", []any{"cat"})
	r := call(t, e, ctx, c, "cpid").([]any)[0].(builtins.Record)
	if r["exec"] != int64(1) || builtins.Format(r["argv"]) != `["cat"]` {
		t.Fatalf("cpid after exec = %s", builtins.Format(r))
	}
	call(t, e, ctx, gc, "eof")
	if ev := builtins.Format(event(t, e, ctx, gc)); ev != "{exit_status: 0}" {
		t.Fatalf("event = %s", ev)
	}
}

// alcove test 37 (flowcontrol): paused output is held; N lets N reads
// through, and the count runs down to 0.
func TestFlowcontrolAlcove37(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, nil, "setcpid", int64(leaf(c)), builtins.Const("flowcontrol"), int64(0))
	if n := call(t, e, ctx, nil, "getcpid", int64(leaf(c)), builtins.Const("flowcontrol")); n != int64(0) {
		t.Fatalf("getcpid flowcontrol = %v", n)
	}
	call(t, e, ctx, nil, "cpid")
	call(t, e, ctx, c, "execvp", "yes", []any{"yes"})
	if out := call(t, e, ctx, c, "stdout", int64(500)).(string); out != "" {
		t.Fatalf("paused stdout gave %d bytes", len(out))
	}
	call(t, e, ctx, nil, "setcpid", int64(leaf(c)), builtins.Const("flowcontrol"), int64(2))
	waitFlow(t, e, c, 0)
	time.Sleep(100 * time.Millisecond)
	e.mu.Lock()
	p, _ := e.resolve(c)
	n := len(p.queue)
	e.mu.Unlock()
	if n != 2 {
		t.Fatalf("%d messages after flowcontrol 2, want 2", n)
	}
}

func waitFlow(t *testing.T, e *Engine, c []int, want int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := call(t, e, t.Context(), c[:len(c)-1], "getcpid", int64(leaf(c)), builtins.Const("flowcontrol"))
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("flowcontrol = %v, want %d", n, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// alcove test 38 (flowcontrol_fork_exec_exit): with a default
// flowcontrol of 1, programs that exit still deliver their output and exit
// events, and leave cpid empty.
func TestFlowcontrolForkExecExitAlcove38(t *testing.T) {
	e, ctx := start(t)
	call(t, e, ctx, nil, "setopt", builtins.Const("flowcontrol"), int64(1))
	for i := 0; i < 2; i++ {
		c := fork(t, e, ctx, nil)
		if n := call(t, e, ctx, nil, "getcpid", int64(leaf(c)), builtins.Const("flowcontrol")); n != int64(1) {
			t.Fatalf("new child's flowcontrol = %v, want 1", n)
		}
		call(t, e, ctx, c, "execvp", "echo", []any{"echo", "test"})
		if ev := builtins.Format(event(t, e, ctx, c)); ev != "{exit_status: 0}" {
			t.Fatalf("event = %s", ev)
		}
		if out := call(t, e, ctx, c, "stdout").(string); out != "test\n" {
			t.Fatalf("stdout = %q", out)
		}
	}
	if l := call(t, e, ctx, nil, "cpid").([]any); len(l) != 0 {
		t.Fatalf("cpid = %s, want []", builtins.Format(l))
	}
}

// A paused program's output still comes before its exit event.
func TestFlowcontrolPausedDrainsAtExit(t *testing.T) {
	e, ctx := start(t)
	call(t, e, ctx, nil, "setopt", builtins.Const("flowcontrol"), int64(0))
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "execvp", "sh", []any{"sh", "-c", "echo out; echo err >&2"})
	if ev := builtins.Format(event(t, e, ctx, c)); ev != "{exit_status: 0}" {
		t.Fatalf("event = %s", ev)
	}
	out := call(t, e, ctx, c, "stdout").(string)
	errOut := call(t, e, ctx, c, "stderr").(string)
	if out != "out\n" || errOut != "err\n" {
		t.Fatalf("stdout %q stderr %q", out, errOut)
	}
}

// stdout_closed and stdin_closed: notices on the child, before its exit
// event, when the parent's options ask.
func TestClosedNotices(t *testing.T) {
	e, ctx := start(t)
	call(t, e, ctx, nil, "setopt", builtins.Const("stdout_closed"), int64(1))
	call(t, e, ctx, nil, "setopt", builtins.Const("stdin_closed"), int64(1))
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "execvp", "true", []any{"true"})
	var got []string
	for len(got) < 3 {
		ev := event(t, e, ctx, c)
		if ev == nil {
			t.Fatalf("events so far %v, then none", got)
		}
		got = append(got, builtins.Format(ev))
	}
	want := map[string]bool{`{ctl: "stdout_closed"}`: true, `{ctl: "stdin_closed"}`: true, "{exit_status: 0}": true}
	for _, g := range got {
		if !want[g] {
			t.Fatalf("events %v", got)
		}
	}
	if got[2] != "{exit_status: 0}" {
		t.Fatalf("exit event is not last: %v", got)
	}
}

// setcpid signaloneof reaches the parent node: the signal its exec'd
// child gets when the parent goes.
func TestSetcpidSignaloneof(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	gc := fork(t, e, ctx, c)
	call(t, e, ctx, c, "setcpid", int64(leaf(gc)), builtins.Const("signaloneof"), int64(9))
	if n := call(t, e, ctx, c, "getcpid", int64(leaf(gc)), builtins.Const("signaloneof")); n != int64(9) {
		t.Fatalf("getcpid signaloneof = %v", n)
	}
	call(t, e, ctx, gc, "execvp", "sh", []any{"sh", "-c", "trap '' TERM; sleep 100"})
	call(t, e, ctx, c, "exit", int64(0))
	testutil.WaitDead(t, leaf(gc))
}
