package engine

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A proto-node's exec leaves the poller asleep: its caller reads the
// socket's end itself, and the poller does not watch the socket
// meanwhile (ctlPoller.unwatch).
func TestExecLeavesPollerAsleep(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	before := e.poller.wakes.Load()
	call(t, e, ctx, c, "execvp", "/bin/sleep", []any{"sleep", "10"})
	time.Sleep(50 * time.Millisecond) // a wake-up at the exec would have come by now
	if n := e.poller.wakes.Load() - before; n != 0 {
		t.Fatalf("the exec woke the poller %d times", n)
	}
	call(t, e, ctx, nil, "kill", int64(leaf(c)), int64(unix.SIGKILL))
	event(t, e, ctx, c)
}

// An exec that fails leaves the socket watched again: the node's later
// end, which nobody reads, still closes its conn (the poller reads the
// hang-up).
func TestFailedExecWatchedAgain(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	if _, err := e.Call(ctx, c, "execvp", []any{"/etc/passwd", []any{"passwd"}}); !isErrno(err, unix.EACCES) {
		t.Fatalf("execvp of a file that is not executable: %v, want eacces", err)
	}
	p := e.proc(t, c)
	unix.Kill(e.hostPid(t, c), unix.SIGKILL)
	select {
	case <-p.ctl.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the end of a node whose exec failed went unseen for 5 s")
	}
	event(t, e, ctx, c)
}
