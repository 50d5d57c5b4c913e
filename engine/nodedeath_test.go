package engine

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// A seccomp kill_thread action kills the node's main thread, and the rest
// of the node (its runtime's threads) holds the control socket open. The
// driver sees the thread end: the call fails at once with node_exited,
// and the node's end comes as an event.
func TestNodeMainThreadKilledFailsCallAtOnce(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	c := booted(t, e, ctx, nil)
	call(t, e, ctx, c, "seccomp_load", builtins.Record{"default": builtins.Const("allow"),
		"rules": []any{builtins.Record{"syscall": "getppid", "action": builtins.Const("kill_thread")}}})
	began := time.Now()
	_, err := e.Call(ctx, c, "getppid", nil)
	if !errors.Is(err, builtins.ErrNodeExited) || !errors.Is(err, builtins.ErrExited) {
		t.Fatalf("getppid on a node whose main thread it kills: %v, want node_exited", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("the call failed after %v: the driver did not see the thread end", d)
	}
	ev, _ := event(t, e, ctx, c).(builtins.Record)
	if ev["termsig"] == nil {
		t.Errorf("the node's end: event %v, want a termsig", ev)
	}
}

// A call that blocks in its node (read of an empty fifo) fails with
// timeout at the caller's deadline; the node, asleep in that call, is
// lost: it is killed and its end reported, and nothing waits on it.
func TestTimeoutOfBlockedCallKillsLostNode(t *testing.T) {
	e, ctx := start(t)
	c := booted(t, e, ctx, nil)
	fifo := filepath.Join(t.TempDir(), "fifo")
	call(t, e, ctx, c, "mkfifo", fifo, int64(0o600))
	fd := call(t, e, ctx, c, "open", fifo, []any{builtins.Const("o_rdwr")})
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err := e.Call(short, c, "read", []any{fd, int64(10)})
	if !errors.Is(err, builtins.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read of an empty fifo: %v, want timeout", err)
	}
	ev, _ := event(t, e, ctx, c).(builtins.Record)
	if ev["termsig"] != "sigkill" {
		t.Errorf("the lost node's end: event %v, want {termsig: sigkill}", ev)
	}
	call(t, e, ctx, nil, "getpid") // its parent is unaffected
}

// An empty message on a node's control socket (its own program, or the
// node, wrote "" to it) is not the socket's end: the node lives on, and
// the calls after it are answered.
func TestEmptyMessageIsNotTheEnd(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	for _, booted := range []bool{false, true} {
		if booted {
			bootNode(t, e, ctx, c)
		}
		if n := call(t, e, ctx, c, "write", int64(3), ""); n != int64(0) {
			t.Fatalf("write [c] 3 \"\" (booted %v) = %v", booted, n)
		}
		if pid := call(t, e, ctx, c, "getpid"); pid != int64(c[0]) {
			t.Fatalf("getpid after an empty message (booted %v) = %v, want %d", booted, pid, c[0])
		}
	}
}
