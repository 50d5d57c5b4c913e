package engine

import (
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// sharedFd is an fd that goroutines use while one of them may close it:
// the number is closed only when the last use ends, so that no use
// reaches a file that took the number since. os.File does the same, but
// its RawConn takes a closure, which costs an allocation per use on the
// call path, and it registers a non-blocking fd (a bell: the node must
// never block on it) with Go's netpoller, which every ring would wake.
type sharedFd struct {
	fd     int
	refs   atomic.Int32 // uses under way, plus one until close
	closed atomic.Bool  // close was called: no new use begins
	once   sync.Once
}

func newSharedFd(fd int) *sharedFd {
	s := &sharedFd{fd: fd}
	s.refs.Store(1)
	return s
}

// acquire returns the fd for one use, which done ends; false once closed.
func (s *sharedFd) acquire() (int, bool) {
	if s.closed.Load() {
		return -1, false
	}
	for {
		n := s.refs.Load()
		if n <= 0 {
			return -1, false
		}
		if s.refs.CompareAndSwap(n, n+1) {
			return s.fd, true
		}
	}
}

func (s *sharedFd) done() {
	if s.refs.Add(-1) == 0 {
		unix.Close(s.fd)
	}
}

// close closes the fd once the uses under way end.
func (s *sharedFd) close() {
	s.once.Do(func() {
		s.closed.Store(true)
		s.done()
	})
}
