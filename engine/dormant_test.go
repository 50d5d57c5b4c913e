package engine

import (
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A child's output streams start dormant (stream.wake): a node that writes
// to its stdout or stderr has it delivered, and a child that ends without
// writing never gets a reader goroutine.
func TestStreamsStartWhenWritten(t *testing.T) {
	e, ctx := start(t)
	w := fork(t, e, ctx, nil)
	call(t, e, ctx, w, "write", int64(1), "to stdout")
	call(t, e, ctx, w, "write", int64(2), "to stderr")
	if got := call(t, e, ctx, w, "stdout", int64(5000)); got != "to stdout" {
		t.Fatalf("a node's write to fd 1 came as %q", got)
	}
	if got := call(t, e, ctx, w, "stderr", int64(5000)); got != "to stderr" {
		t.Fatalf("a node's write to fd 2 came as %q", got)
	}
	started := func(s *stream) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.f != nil
	}
	ended := func(s *stream) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.ended
	}
	if p := e.proc(t, w); !started(p.out) || !started(p.err) {
		t.Fatal("the streams of a node that wrote have no reader")
	}
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		q := fork(t, e, ctx, nil)
		call(t, e, ctx, q, "exit", int64(0))
		event(t, e, ctx, q)
		e.mu.Lock()
		p, err := e.resolveAny(q)
		e.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		// The exit event's drain or, when a pipe's hang-up comes after
		// it, the poller ends each stream, with no reader (a started
		// reader would never end it: said at once).
		for deadline := time.Now().Add(2 * time.Second); !ended(p.out) || !ended(p.err); time.Sleep(time.Millisecond) {
			if started(p.out) || started(p.err) {
				t.Fatalf("cycle %d: a child that wrote nothing got a reader", i)
			}
			if time.Now().After(deadline) {
				t.Fatalf("cycle %d: a silent child's pipes stayed open 2 s after its exit event", i)
			}
		}
		if started(p.out) || started(p.err) {
			t.Fatalf("cycle %d: a child that wrote nothing got a reader", i)
		}
	}
	if after := runtime.NumGoroutine(); after > before+2 {
		t.Fatalf("%d goroutines before 20 fork/exit cycles, %d after", before, after)
	}
}

// dormantPipe makes a dormant stream of a pipe's read end, and returns
// the write end and what the stream delivered and let go of so far.
func dormantPipe(t *testing.T) (s *stream, w int, got func() (string, int)) {
	t.Helper()
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var out strings.Builder
	released := 0
	s, err := newStream(fds[0], "stdout", func(d string) {
		mu.Lock()
		out.WriteString(d)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	s.release = func() {
		mu.Lock()
		released++
		mu.Unlock()
	}
	t.Cleanup(func() { s.close() })
	return s, fds[1], func() (string, int) {
		mu.Lock()
		defer mu.Unlock()
		return out.String(), released
	}
}

// started says whether the stream's reader started (its pipe went to the
// netpoller).
func (s *stream) started() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f != nil
}

// A pipe that only hangs up is read to its end where the poller saw it,
// and the stream ends with no reader started.
func TestDormantStreamHangupStartsNoReader(t *testing.T) {
	s, w, got := dormantPipe(t)
	unix.Close(w)
	s.woken(unix.EPOLLHUP)
	if s.started() {
		t.Fatal("a pipe that only hung up started a reader")
	}
	if out, released := got(); out != "" || released != 1 {
		t.Fatalf("delivered %q, released %d times, want nothing and once", out, released)
	}
}

// A drain of a dormant stream delivers what the pipe holds and, at its
// end, ends the stream without a reader.
func TestDormantStreamDrainedToItsEnd(t *testing.T) {
	s, w, got := dormantPipe(t)
	unix.Write(w, []byte("hello"))
	unix.Close(w)
	s.drain()
	if s.started() {
		t.Fatal("a drain started a reader")
	}
	if out, released := got(); out != "hello" || released != 1 {
		t.Fatalf("delivered %q, released %d times, want hello and once", out, released)
	}
}

// A pipe that has something wakes the stream: its reader starts and
// delivers, and ends at the pipe's end.
func TestDormantStreamWakesOnData(t *testing.T) {
	s, w, got := dormantPipe(t)
	unix.Write(w, []byte("x"))
	s.woken(unix.EPOLLIN)
	if !s.started() {
		t.Fatal("data did not start the reader")
	}
	unix.Write(w, []byte("y"))
	unix.Close(w)
	deadline := time.Now().Add(testTimeout)
	for {
		out, released := got()
		if out == "xy" && released == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivered %q, released %d times, want xy and once", out, released)
		}
		time.Sleep(time.Millisecond)
	}
}
