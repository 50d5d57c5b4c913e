package engine

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// quietPipe makes a dormant stream watched by a poller of its own, as
// attach does, and a process whose stdout it is.
func quietPipe(t *testing.T) (p *ctlPoller, s *stream, w int, got func() (string, int)) {
	t.Helper()
	p, err := newCtlPoller()
	if err != nil {
		t.Fatal(err)
	}
	s, w, got = dormantPipe(t)
	t.Cleanup(p.stop)
	if err := p.addStream(s); err != nil {
		t.Fatal(err)
	}
	return p, s, w, got
}

// watches says whether the poller has fd registered for s.
func (p *ctlPoller) watches(s *stream, fd int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns[int32(fd)].s == s
}

// A quiet stream is out of the poller's epoll; a pipe that hung up is
// read to its end by look, which ends the stream with no reader and
// leaves the poller nothing to watch.
func TestQuietOutputHangupEndsStream(t *testing.T) {
	p, s, w, got := quietPipe(t)
	fd := s.fd
	var q quietOut
	q.quiet(&proc{out: s})
	if q.n != 1 || p.watches(s, fd) {
		t.Fatalf("quiet took %d streams, the poller still watches the pipe: %v", q.n, p.watches(s, fd))
	}
	unix.Write(w, []byte("last words"))
	unix.Close(w)
	// Data and the hang-up together: data goes back to the poller, which
	// reads it to the end.
	q.look()
	deadline := time.Now().Add(testTimeout)
	for out, released := got(); out != "last words" || released != 1; out, released = got() {
		if time.Now().After(deadline) {
			t.Fatalf("delivered %q, released %d times, want the words and once", out, released)
		}
		time.Sleep(time.Millisecond)
	}
	if q.n != 0 {
		t.Fatalf("look kept %d streams", q.n)
	}
}

// A pipe that only hung up is read to its end by look itself: the stream
// ends with no reader started and no registration left.
func TestQuietOutputOnlyHangupReadHere(t *testing.T) {
	p, s, w, got := quietPipe(t)
	fd := s.fd
	var q quietOut
	q.quiet(&proc{out: s})
	unix.Close(w)
	q.look()
	if out, released := got(); out != "" || released != 1 || s.started() {
		t.Fatalf("delivered %q, released %d times, reader started %v: want nothing, once, none", out, released, s.started())
	}
	if p.watches(s, fd) || q.n != 0 {
		t.Fatal("an ended stream is still watched")
	}
	q.end() // nothing left to give back
}

// A quiet pipe with nothing yet stays quiet at a look; end gives it back
// to the poller, which then starts its reader at its first data.
func TestQuietOutputEndGivesPipeBack(t *testing.T) {
	p, s, w, got := quietPipe(t)
	fd := s.fd
	var q quietOut
	q.quiet(&proc{out: s})
	q.look()
	if q.n != 1 || p.watches(s, fd) {
		t.Fatalf("a silent pipe left quiet: %d streams kept, watched %v", q.n, p.watches(s, fd))
	}
	q.end()
	if !p.watches(s, fd) {
		t.Fatal("end did not give the pipe back to the poller")
	}
	unix.Write(w, []byte("later"))
	deadline := time.Now().Add(testTimeout)
	for out, _ := got(); out != "later"; out, _ = got() {
		if time.Now().After(deadline) {
			t.Fatalf("delivered %q after the quiet, want later", out)
		}
		time.Sleep(time.Millisecond)
	}
	unix.Close(w)
}

// A program that writes more than its pipes hold while its exit event is
// waited for has all of it delivered, before that event: the waiting
// caller hands the pipes with data back to the poller.
func TestOutputWhileEventAwaited(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	const n = 300000
	call(t, e, ctx, c, "execvp", "/bin/sh", []any{"sh", "-c", "head -c 300000 /dev/zero; echo done >&2"})
	if ev := builtins.Format(event(t, e, ctx, c)); ev != "{exit_status: 0}" {
		t.Fatalf("event %s", ev)
	}
	out, _ := e.Call(ctx, c, "stdout", []any{int64(0)})
	errOut, _ := e.Call(ctx, c, "stderr", []any{int64(0)})
	if s, _ := out.(string); len(s) != n || strings.Trim(s, "\x00") != "" {
		t.Fatalf("stdout before the exit event: %d bytes, want %d zeros", len(s), n)
	}
	if errOut != "done\n" {
		t.Fatalf("stderr before the exit event: %q", errOut)
	}
}
