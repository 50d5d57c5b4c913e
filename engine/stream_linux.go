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
//
// A stream starts dormant: its pipe is a bare fd that the ctlPoller
// watches, and it gets its os.File (in Go's netpoller) and its reader
// goroutine only when the pipe first has something (wake). Most children
// never write before they end, or not before their exec: a node writes
// nothing, and a program that only exits is read to its end by drain.
// Starting both readers at the fork cost about 40 µs of the caller's time
// on its way (two files in the netpoller, two goroutines, whose first
// start woke an idle thread with a futex).
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

// free is where the next read goes: up to a whole pipe. A slab's last
// byte is never read into, so that chunks of two slabs are never end to
// end (joinChunks relies on it).
func (s *slab) free() []byte {
	if len(s.buf) <= pipeSize {
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
	if s.f != nil || s.ended {
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

// drain delivers what the pipe holds now, without blocking. A dormant
// stream read to its end ends there, its reader never started.
func (s *stream) drain() {
	s.mu.Lock()
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

// stdinQueue writes to a program's stdin from a queue, so that stdin never
// blocks the caller and never drops bytes: past maxStdinQueue pending bytes
// it refuses with an error instead.
type stdinQueue struct {
	fd      int // the pipe until the first write (then f has it)
	name    string
	f       *os.File // nil before the first write: most children get no stdin
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
	return &stdinQueue{fd: fd, name: name, wake: make(chan struct{}, 1)}, nil
}

// open puts the pipe in Go's netpoller, at the first write (mu held).
func (q *stdinQueue) open() error {
	if q.f != nil {
		return nil
	}
	f, rc, err := pollable(q.fd, q.name)
	q.fd = -1
	if err != nil {
		return err
	}
	q.f, q.rc = f, rc
	return nil
}

// closeFile closes the pipe, whether it was opened or not (mu held).
func (q *stdinQueue) closeFile() {
	if q.f != nil {
		q.f.Close()
	} else if q.fd >= 0 {
		unix.Close(q.fd)
		q.fd = -1
	}
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
	if err := q.open(); err != nil {
		q.err = fmt.Errorf("stdin: %w", err)
		return q.err
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
		q.closeFile()
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
		q.closeFile()
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
	q.closeFile()
	q.mu.Unlock()
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
