package engine

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Quiet output. While a caller spins for a process's event (takeEvent),
// it watches that process's dormant output pipes itself, and the poller
// does not. A program's exit closes its pipes before its parent hears of
// it, and each pipe's hang-up woke the poller, whose thread, with the
// caller spinning on the other CPU, ran on the exiting program's CPU
// ahead of it: twice, before the exit could go on to the SIGCHLD that
// its exit event waits for. The spinning caller looks at the pipes
// between its reads of the parent's socket: one that hung up it reads
// to its end, as the poller would have (stream.woken); one with data it
// hands back to the poller at once, which starts its reader. After the
// spin the poller watches those still dormant again.
type quietOut struct {
	s   [2]*stream
	fds [2]unix.PollFd
	n   int
}

// quiet takes p's dormant output streams from the poller.
func (q *quietOut) quiet(p *proc) {
	for _, s := range [2]*stream{p.out, p.err} {
		if fd, ok := s.quiet(); ok {
			q.s[q.n], q.fds[q.n] = s, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
			q.n++
		}
	}
}

// look handles the pipes that hung up or have data; between the spin's
// tries.
func (q *quietOut) look() {
	if q.n == 0 {
		return
	}
	for i := range q.n {
		q.fds[i].Revents = 0
	}
	var zero unix.Timespec // a look, never a wait: a RawSyscall (see readOne)
	m, _, e := syscall.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&q.fds[0])), uintptr(q.n),
		uintptr(unsafe.Pointer(&zero)), 0, 0, 0)
	if e != 0 || m == 0 {
		return
	}
	kept := 0
	for i := range q.n {
		s, pfd := q.s[i], q.fds[i]
		switch {
		case pfd.Revents == 0:
			q.s[kept], q.fds[kept] = s, pfd
			kept++
		case pfd.Revents&(unix.POLLIN|unix.POLLNVAL|unix.POLLHUP) == unix.POLLHUP:
			s.readEnded(int(pfd.Fd))
		default: // data (or the fd is gone): the poller's again
			s.unquiet(int(pfd.Fd))
		}
	}
	q.n = kept
}

// end gives the poller back the streams still dormant.
func (q *quietOut) end() {
	for i := range q.n {
		q.s[i].unquiet(int(q.fds[i].Fd))
	}
	q.n = 0
}

// quiet takes a dormant stream's pipe from the poller; its fd, and false
// if the stream is not dormant or not watched.
func (s *stream) quiet() (int, bool) {
	if s == nil {
		return -1, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil || s.ended || s.poller == nil || !s.poller.forgetStream(s, s.fd) {
		return -1, false
	}
	return s.fd, true
}

// unquiet has the poller watch the pipe again, if the stream is still
// dormant on fd. A poller that stopped (Close runs) cannot: the pipe is
// read at once, as attach does.
func (s *stream) unquiet(fd int) {
	s.mu.Lock()
	if s.f != nil || s.ended || s.fd != fd {
		s.mu.Unlock()
		return
	}
	err := s.poller.addStreamLocked(s)
	s.mu.Unlock()
	if err != nil {
		s.wake()
	}
}

// readEnded reads a quiet pipe that hung up to its end, and ends the
// stream there (as the poller's woken); a pipe not at its end after all
// goes back to the poller.
func (s *stream) readEnded(fd int) {
	s.mu.Lock()
	if s.f == nil && !s.ended && s.fd == fd {
		s.readAll(fd)
		if s.eof.Load() {
			s.endDormant()
		}
	}
	s.mu.Unlock()
	s.unquiet(fd)
}
