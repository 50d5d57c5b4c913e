package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// stdinQueue writes to a program's stdin from a queue, so that stdin
// returns as soon as its bytes are queued and never drops any. The queue
// is bounded: past maxStdinQueue pending bytes a stdin call waits for the
// program to read (room), up to its deadline; a call's bytes go in whole
// or not at all (a call larger than the bound goes in once the queue is
// empty).
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
	passed  int           // bytes queued, up to the widening
	widened bool          // widen done
	room    chan struct{} // closed when bytes leave the queue (or it ends), for writers that wait; nil: none waits
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

// write queues data, waiting for room until ctx ends or the deadline; it
// fails if the pipe is gone or stdin was closed.
func (q *stdinQueue) write(ctx context.Context, deadline time.Time, data []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		switch {
		case q.err != nil:
			return q.err
		case q.closing:
			return errStdinClosed
		}
		if q.pending == 0 || q.pending+len(data) <= maxStdinQueue {
			break
		}
		if err := q.waitRoom(ctx, deadline); err != nil {
			return err
		}
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

// waitRoom lets go of mu until bytes leave the queue, ctx ends or the
// deadline passes (mu held).
func (q *stdinQueue) waitRoom(ctx context.Context, deadline time.Time) error {
	if q.room == nil {
		q.room = make(chan struct{})
	}
	room, pending := q.room, q.pending
	q.mu.Unlock()
	defer q.mu.Lock()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-room:
		return nil
	case <-ctx.Done():
		// A ctx's deadline is the call's (Engine.deadline): its timer
		// and t fire together, and either may win the select.
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return noRoom(pending)
		}
		return ctx.Err()
	case <-t.C:
		return noRoom(pending)
	}
}

// noRoom is a stdin call's timeout: the queue had no room for it in time.
func noRoom(pending int) error {
	return fmt.Errorf("stdin: %w: %d bytes still wait for the program to read them (the queue holds %d at most); nothing of this call was queued: %w",
		builtins.ErrTimeout, pending, maxStdinQueue, context.DeadlineExceeded)
}

// freed wakes the writers waiting for room (mu held).
func (q *stdinQueue) freed() {
	if q.room != nil {
		close(q.room)
		q.room = nil
	}
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
		q.freed()
		return
	}
	if n > 0 {
		q.freed()
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
	q.freed()
	q.mu.Unlock()
	q.poke()
}

const maxStdinQueue = 64 << 20

// errStdinClosed: a write after eof, or after the process exited, is
// refused as a write to a closed fd is.
var errStdinClosed = fmt.Errorf("stdin is closed: %w", unix.EBADF)
