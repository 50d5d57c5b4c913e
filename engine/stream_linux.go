package engine

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// stream reads one of a process's output pipes (stdout or stderr). The read
// and the hand-off of the bytes happen under mu, so that drain (run when
// the process's exit event arrives) delivers everything the process wrote
// before the event, in order, without waiting on orphans holding the pipe.
type stream struct {
	f       *os.File
	rc      syscall.RawConn
	mu      sync.Mutex
	eof     atomic.Bool
	lastErr error
	emit    func(data string) // called under mu
	slab    slab
	gate    *flowGate // the process's flowcontrol; nil: unlimited
	onEOF   func()    // called under mu when the pipe reaches EOF
	passed  int       // bytes read, up to the widening (mu held)
	widened bool      // widen done (mu held)
}

// slab is where a stream reads. A large read's bytes become the string the
// queue keeps with no copy: they are never written again, and the next
// read goes after them. A small read is copied out, so a few bytes never
// pin a slab, and its room is read into again. A slab nothing was taken
// from goes back to the pool when the pipe runs dry, so an idle stream
// holds none unless it handed out large reads (then at most the slab's
// free tail, until its next read or its end).
type slab struct {
	buf   []byte
	taken bool // some of buf's front now backs strings
}

const (
	slabSize = 4 << 20
	bigRead  = 64 << 10 // from this size on, a read is kept without a copy
)

var slabs = sync.Pool{New: func() any { b := make([]byte, slabSize); return &b }}

// free is where the next read goes: up to a whole pipe.
func (s *slab) free() []byte {
	if len(s.buf) < pipeSize {
		s.buf, s.taken = *slabs.Get().(*[]byte), false
	}
	return s.buf[:pipeSize]
}

// keep turns the n bytes just read into the string to queue.
func (s *slab) keep(n int) string {
	if n < bigRead {
		return string(s.buf[:n])
	}
	str := unsafe.String(&s.buf[0], n)
	s.buf, s.taken = s.buf[n:], true
	return str
}

// idle lets go of the slab when the pipe is dry, back to the pool if no
// string holds a part of it.
func (s *slab) idle() {
	if s.buf != nil && !s.taken {
		b := s.buf
		slabs.Put(&b)
		s.buf = nil
	}
}

func newStream(fd int, name string, emit func(string)) (*stream, error) {
	f, rc, err := pollable(fd, name)
	if err != nil {
		return nil, err
	}
	return &stream{f: f, rc: rc, emit: emit}, nil
}

// run reads until EOF or until the file is closed, then closes it.
func (s *stream) run() {
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
	n, err := unix.Read(fd, s.slab.free())
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

// drain delivers what the pipe holds now, without blocking.
func (s *stream) drain() {
	fd := -1
	s.rc.Control(func(f uintptr) { fd = int(f) })
	if fd < 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.readOnce(fd) && !errors.Is(s.lastErr, unix.EAGAIN) {
	}
}

func (s *stream) close() {
	s.gate.release()
	s.f.Close()
}

// stdinQueue writes to a program's stdin from a queue, so that stdin never
// blocks the caller and never drops bytes: past maxStdinQueue pending bytes
// it refuses with an error instead.
type stdinQueue struct {
	f       *os.File
	rc      syscall.RawConn
	mu      sync.Mutex
	chunks  [][]byte
	pending int
	err     error // sticky: the pipe broke or was closed
	closing bool  // eof asked: close once the queue is written
	wake    chan struct{}
	started bool
	passed  int  // bytes queued, up to the widening
	widened bool // widen done
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

const maxStdinQueue = 64 << 20

var errStdinClosed = errors.New("stdin is closed")

func newStdinQueue(fd int, name string) (*stdinQueue, error) {
	f, rc, err := pollable(fd, name)
	if err != nil {
		return nil, err
	}
	return &stdinQueue{f: f, rc: rc, wake: make(chan struct{}, 1)}, nil
}

// write queues data; it fails if the queue would pass its bound or the
// pipe is gone.
func (q *stdinQueue) write(data []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.err != nil:
		return q.err
	case q.closing:
		return errStdinClosed
	case q.pending+len(data) > maxStdinQueue:
		return fmt.Errorf("stdin queue full: %d bytes wait for the program to read them (limit %d)", q.pending, maxStdinQueue)
	}
	q.chunks = append(q.chunks, data)
	q.pending += len(data)
	if q.passed += len(data); q.passed > defaultPipe && !q.widened {
		q.widened = true
		q.rc.Control(func(fd uintptr) { widen(int(fd)) })
	}
	if !q.started {
		q.started = true
		go q.run()
	}
	q.poke()
	return nil
}

func (q *stdinQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// eof closes stdin once everything queued is written.
func (q *stdinQueue) eof() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closing || q.err != nil {
		return errStdinClosed
	}
	q.closing = true
	if !q.started {
		q.err = errStdinClosed
		q.f.Close()
		return nil
	}
	q.poke()
	return nil
}

func (q *stdinQueue) next() (chunk []byte, done bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return nil, true
	}
	if len(q.chunks) > 0 {
		return q.chunks[0], false
	}
	if q.closing {
		q.err = errStdinClosed
		q.f.Close()
		return nil, true
	}
	return nil, false
}

func (q *stdinQueue) run() {
	for {
		chunk, done := q.next()
		if done {
			return
		}
		if chunk == nil {
			<-q.wake
			continue
		}
		n, err := q.writeSome(chunk)
		q.advance(n, err)
	}
}

func (q *stdinQueue) writeSome(b []byte) (int, error) {
	var n int
	var werr error
	err := q.rc.Write(func(fd uintptr) bool {
		n, werr = unix.Write(int(fd), b)
		return !errors.Is(werr, unix.EAGAIN)
	})
	if err != nil {
		return 0, err
	}
	return n, werr
}

func (q *stdinQueue) advance(n int, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil && !errors.Is(err, unix.EINTR) {
		q.err = fmt.Errorf("stdin: %w", err)
		q.chunks, q.pending = nil, 0
		return
	}
	if n > 0 {
		q.pending -= n
		if n == len(q.chunks[0]) {
			q.chunks[0] = nil
			q.chunks = q.chunks[1:]
		} else {
			q.chunks[0] = q.chunks[0][n:]
		}
	}
}

func (q *stdinQueue) close() {
	q.mu.Lock()
	if q.err == nil {
		q.err = errStdinClosed
	}
	q.mu.Unlock()
	q.f.Close()
	q.poke()
}

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
