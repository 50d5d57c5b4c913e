package engine

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/alsh/alsh/engine/internal/relay"
	"golang.org/x/sys/unix"
)

// stream reads one of a process's output pipes (stdout or stderr). The read
// and the hand-off of the bytes happen under mu, so that drain (run when
// the process's exit event arrives) delivers everything the process wrote
// before the event, in order, without waiting on orphans holding the pipe.
//
// A stream starts dormant (dormant_linux.go).
type stream struct {
	fd      int // the pipe while dormant; -1 once f has it, or once closed
	name    string
	f       *os.File // nil while dormant
	rc      syscall.RawConn
	release func() // called once, when the stream ends (the engine's reader count)
	mu      sync.Mutex
	ended   bool // closed, and release called (mu)
	eof     atomic.Bool
	lastErr error
	emit    func(data string) // called under mu
	slab    slab
	gate    *flowGate  // the process's flowcontrol; nil: unlimited
	onEOF   func()     // called under mu when the pipe reaches EOF
	poller  *ctlPoller // watches the dormant fd
	passed  int        // bytes read, up to the widening (mu held)
	widened bool       // widen done (mu held)
	fed     *relay.Fed // the relay feeds it (stream_feed_linux.go): no fd, no reader (mu held)
	fedSlab fedSlab    // where a fed stream's large chunks go (mu held)
}

// run reads until EOF or until the file is closed, then closes it.
func (s *stream) run() {
	defer s.release()
	defer s.f.Close()
	for {
		s.gate.wait()
		var again bool
		err := s.rc.Read(func(fd uintptr) bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.gate.limited() && !readable(int(fd)) {
				return false // nothing to read: take no count, wait
			}
			ok, counted := s.gate.take()
			if !ok {
				again = true
				return true // paused: wait for the gate
			}
			again = s.readOnce(int(fd))
			if errors.Is(s.lastErr, unix.EAGAIN) {
				if counted {
					s.gate.giveBack()
				}
				return false
			}
			return true
		})
		if err != nil || !again {
			return
		}
	}
}

// readOnce reads once (mu held); false at EOF or on an error.
// readable: the pipe holds data or its end (a read would not block).
func readable(fd int) bool {
	p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, _ := unix.Poll(p, 0)
	return n > 0
}

func (s *stream) readOnce(fd int) bool {
	if s.eof.Load() {
		return false
	}
	want := defaultPipe
	if s.widened {
		want = pipeSize
	}
	n, err := rawRead(fd, s.slab.free(want))
	s.lastErr = err
	if s.passed += n; s.passed > defaultPipe && !s.widened {
		s.widened = true
		widen(fd)
	}
	if n > 0 {
		s.emit(s.slab.keep(n))
		return true
	}
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
		s.slab.idle()
		return true
	}
	s.slab.idle()
	if !s.eof.Swap(true) && s.onEOF != nil {
		s.onEOF()
	}
	return false
}

// drain delivers what the pipe holds now, without blocking. A dormant
// stream read to its end ends there, its reader never started.
func (s *stream) drain() {
	s.mu.Lock()
	if fed := s.fed; fed != nil {
		s.mu.Unlock()
		fed.Drain() // what the relay holds back while paused: the output comes before the exit
		return
	}
	if s.f == nil {
		defer s.mu.Unlock()
		if !s.ended {
			s.readAll(s.fd)
			if s.eof.Load() {
				s.endDormant()
			}
		}
		return
	}
	s.mu.Unlock()
	fd := -1
	s.rc.Control(func(f uintptr) { fd = int(f) })
	if fd < 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readAll(fd)
}

// readAll reads until the pipe is dry or at its end (mu held).
func (s *stream) readAll(fd int) {
	for s.readOnce(fd) && !errors.Is(s.lastErr, unix.EAGAIN) {
	}
}

func (s *stream) close() {
	s.gate.release()
	s.mu.Lock()
	if s.fed != nil {
		s.endFed()
		s.mu.Unlock()
		return
	}
	if s.f == nil {
		if !s.ended {
			s.endDormant()
		}
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.f.Close()
}

// pipeSize is what a process's stdin and output pipes grow to once more
// than the kernel's default (64 KiB) has gone into them: fewer, larger
// transfers. Only then: growing a pipe costs about 10 µs (its buffer is
// allocated), which a program that writes little, such as one that only
// exits, would pay on its way. Failing (a user past its pipe-buffer
// allowance) leaves the default.
const (
	pipeSize    = 1 << 20
	defaultPipe = 64 << 10
)

func widen(fd int) { unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, pipeSize) }

// pollable makes fd non-blocking and hands it to Go's poller, so that
// reading and writing it park a goroutine rather than a thread. On
// failure fd is closed.
func pollable(fd int, name string) (*os.File, syscall.RawConn, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, nil, os.NewSyscallError("setnonblock", err)
	}
	f := os.NewFile(uintptr(fd), name)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, rc, nil
}

// rawRead reads without entering the runtime's syscall state: the fd is
// non-blocking (Go's poller, or a dormant pipe drained without waiting),
// so it never waits, and a Syscall's entersyscall woke sysmon out of its
// deep sleep at nearly every chunk of a bulk transfer (13% of the
// driver's perf samples in BenchmarkHostBulk were sysmon).
func rawRead(fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
