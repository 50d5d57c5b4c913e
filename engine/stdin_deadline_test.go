package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// A stdin call that waits for room fails with timeout when its ctx's
// deadline passes, as when its own timer fires: the two are the same
// deadline (Engine.deadline), and which fired first is chance (one CPU
// made TestStdinQueueBoundedWaitsThenTimesOut see a bare deadline
// error). A canceled ctx is no timeout.
func TestStdinWaitEndedByCtxDeadlineIsTimeout(t *testing.T) {
	q := fullStdinQueue(t)
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	err := q.write(expired, time.Now().Add(time.Hour), make([]byte, overBound))
	if !errors.Is(err, builtins.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stdin past its ctx's deadline: %v, want a timeout", err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	err = q.write(canceled, time.Now().Add(time.Hour), make([]byte, overBound))
	if !errors.Is(err, context.Canceled) || errors.Is(err, builtins.ErrTimeout) {
		t.Fatalf("stdin with its ctx canceled: %v, want canceled", err)
	}
}

// overBound is a call that does not fit in a full queue, even with what
// the pipe took off it (1 MiB once widened).
const overBound = 4 << 20

// fullStdinQueue is a stdin queue at its bound, to a pipe nobody reads.
func fullStdinQueue(t *testing.T) *stdinQueue {
	t.Helper()
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]) })
	q, err := newStdinQueue(fds[1], "stdin")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.close)
	if err := q.write(context.Background(), time.Now().Add(time.Hour), make([]byte, maxStdinQueue)); err != nil {
		t.Fatal(err)
	}
	return q
}
