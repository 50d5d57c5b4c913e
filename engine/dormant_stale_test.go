package engine

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// A pipe's hang-up that the poller took from epoll, but handled only
// after a drain ended the stream and the next child's pipe took the fd's
// number, must not wake the new stream: its writer lives, so the hang-up
// would read nothing and start a reader for a child that never writes
// (seen as TestStreamsStartWhenWritten's streams never ending).
func TestStaleHangupLeavesReusedFdDormant(t *testing.T) {
	p := barePoller(t)
	old, oldW, _ := dormantPipe(t)
	if err := p.addStream(old); err != nil {
		t.Fatal(err)
	}
	fd := old.fd
	unix.Close(oldW)
	stale := nextEvent(t, p)
	old.drain() // the exit event's drain, before the poller got to the event
	if !old.ended {
		t.Fatal("a drain to the pipe's end left the stream open")
	}
	s, w, got := dormantPipe(t)
	if s.fd != fd {
		t.Fatalf("the next pipe is fd %d, not the freed %d (another goroutine opened a file)", s.fd, fd)
	}
	if err := p.addStream(s); err != nil {
		t.Fatal(err)
	}
	p.dispatch(stale)
	if s.started() {
		t.Fatal("the hang-up of a closed pipe started the reader of the pipe that took its number")
	}
	unix.Close(w)
	p.dispatch(nextEvent(t, p)) // its own hang-up still ends it
	if out, released := got(); s.started() || out != "" || released != 1 {
		t.Fatalf("at its hang-up: started %v, delivered %q, released %d times; want no reader, nothing, once",
			s.started(), out, released)
	}
}

// barePoller is a ctlPoller with no goroutine of its own: the test takes
// its events and dispatches them when it wants.
func barePoller(t *testing.T) *ctlPoller {
	t.Helper()
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(epfd) }) // after the streams' cleanups
	return &ctlPoller{epfd: epfd, conns: map[int32]pollEntry{}}
}

// nextEvent waits for p's next event.
func nextEvent(t *testing.T, p *ctlPoller) unix.EpollEvent {
	t.Helper()
	evs := make([]unix.EpollEvent, 1)
	for {
		n, err := unix.EpollWait(p.epfd, evs, int(testTimeout.Milliseconds()))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n != 1 {
			t.Fatalf("epoll_wait: %d events, %v", n, err)
		}
		return evs[0]
	}
}
