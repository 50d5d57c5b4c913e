package engine

import (
	"os"

	"golang.org/x/sys/unix"
)

// Dormant streams. A stream starts dormant: its pipe is a bare fd that
// the ctlPoller watches, and it gets its os.File (in Go's netpoller) and
// its reader goroutine only when the pipe first has something (wake).
// Most children never write before they end, or not before their exec: a
// node writes nothing, and a program that only exits is read to its end
// by drain, or by the poller when its pipe hangs up (woken). Starting
// both readers at each fork cost about 40 µs of the caller's time on its
// way (two files in the netpoller, two goroutines, whose first start woke
// an idle thread with a futex); starting them dormant took fork to ready
// from 151–199 to 118–138 µs and fork+execvp+exit from a median of 1007
// to 911 µs (5 interleaved rounds). stdin is the same: it enters the
// netpoller at its first write (stdinQueue.open).

// newStream makes a dormant stream of fd, which it makes non-blocking (a
// drain must never block on it); on failure fd is closed.
func newStream(fd int, name string, emit func(string)) (*stream, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	return &stream{fd: fd, name: name, emit: emit, release: func() {}}, nil
}

// wake starts the reader of a dormant stream: its pipe has something
// (the poller saw it), or the engine wants it read. The poller has let go
// of the fd first.
func (s *stream) wake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil || s.ended || s.fed != nil {
		return
	}
	if s.eof.Load() { // drained to its end already
		s.endDormant()
		return
	}
	s.f = os.NewFile(uintptr(s.fd), s.name)
	rc, err := s.f.SyscallConn()
	if err != nil {
		s.f.Close()
		s.fd, s.ended = -1, true
		s.release()
		return
	}
	s.rc, s.fd = rc, -1
	go s.run()
}

// woken is the poller's wake: a pipe that only hung up (its writers are
// gone, nothing is in it) is read to its end here, with no reader started,
// which is how most children's pipes end when no exit event drained them
// first.
func (s *stream) woken(events uint32) {
	if events&unix.EPOLLIN == 0 {
		s.mu.Lock()
		if s.f == nil && !s.ended {
			s.readAll(s.fd)
		}
		s.mu.Unlock()
	}
	s.wake()
}

// endDormant closes the fd of a stream that never started (mu held).
func (s *stream) endDormant() {
	if s.poller != nil {
		s.poller.forgetStream(s, s.fd)
	}
	unix.Close(s.fd)
	s.fd, s.ended = -1, true
	s.release()
}
