package engine

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

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

const maxStdinQueue = 64 << 20

// errStdinClosed: a write after eof, or after the process exited, is
// refused as a write to a closed fd is.
var errStdinClosed = fmt.Errorf("stdin is closed: %w", unix.EBADF)
