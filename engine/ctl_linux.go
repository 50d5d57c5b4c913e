package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// ctlConn is the driver's end of one node's control socket. Calls are
// matched to replies by id. A goroutine reads (readLoop), and a caller
// waiting for its reply also reads for a short while (spin): taking the
// reply itself spares two goroutine wake-ups, which cost more than the
// node's work. readMu makes each read-and-dispatch whole, so messages are
// handled in the order the node sent them.
type ctlConn struct {
	f       *os.File
	rc      syscall.RawConn
	mu      sync.Mutex
	pending map[uint32]*waiter
	ready   chan struct{} // closed when the node says ready
	done    chan struct{} // closed when the socket closed (exec or exit)
	closed  bool
	readMu  sync.Mutex
	handle  func(ctlMsg) // dispatches one message (called with readMu held)
}

// result is a reply as the reader hands it to the caller.
type result struct {
	val   any
	fds   []int
	err   error
	child *proc // the process a fork, clone or spawn made, registered by onFds
}

// waiter is a call waiting for its reply. onFds, for calls that make a
// process, registers it from the reply's fds while the reader still holds
// the socket, so that the child's exit event (the next message, for a
// program that ends at once) finds it in the tree.
type waiter struct {
	ch    chan result
	onFds func(*result)
}

func newCtlConn(fd int, name string) (*ctlConn, error) {
	f, rc, err := pollable(fd, name)
	if err != nil {
		return nil, err
	}
	return &ctlConn{f: f, rc: rc, pending: map[uint32]*waiter{},
		ready: make(chan struct{}), done: make(chan struct{})}, nil
}

// send writes one message; SOCK_SEQPACKET writes are atomic.
func (c *ctlConn) send(b []byte) error {
	var serr error
	err := c.rc.Write(func(fd uintptr) bool {
		serr = unix.Sendmsg(int(fd), b, nil, nil, unix.MSG_NOSIGNAL)
		return !errors.Is(serr, unix.EAGAIN)
	})
	if err != nil {
		return err
	}
	return serr
}

// call sends a call and waits for its reply, the socket closing, or ctx.
func (c *ctlConn) call(ctx context.Context, id uint32, msg []byte, noReturn bool, onFds func(*result)) result {
	ch := make(chan result, 1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return result{err: builtins.ErrExited}
	}
	c.pending[id] = &waiter{ch: ch, onFds: onFds}
	c.mu.Unlock()
	if err := c.send(msg); err != nil {
		c.forget(id)
		return result{err: fmt.Errorf("sending call: %w", err)}
	}
	var r result
	ok := false
	if runtime.GOMAXPROCS(0) > 1 { // another CPU runs the node meanwhile
		r, ok = c.spin(ch)
	}
	if !ok {
		r, ok = c.waitOwn(ch)
	}
	if !ok {
		select {
		case r = <-ch:
		case <-ctx.Done():
			c.forget(id)
			return result{err: ctx.Err()}
		}
	}
	if noReturn && errors.Is(r.err, errClosedOK) {
		return result{}
	}
	return r
}

// waitOwn waits for the reply on the socket itself, blocked in poll(2) on
// this thread: the node's reply then wakes the caller directly, not the Go
// netpoller and then a reader goroutine (each wake-up costs more than the
// call on a VM). It holds readMu meanwhile, so the reader goroutine cannot
// take the reply from under it; whatever else arrives it dispatches. It
// gives up (to the select) after ownWait, so that a slow call still ends
// with its context, and when another caller is already waiting this way.
func (c *ctlConn) waitOwn(ch chan result) (result, bool) {
	if !c.readMu.TryLock() {
		return result{}, false
	}
	defer c.readMu.Unlock()
	deadline := time.Now().Add(ownWait)
	for {
		select {
		case r := <-ch:
			return r, true
		default:
		}
		if !c.readOne(1) || !time.Now().Before(deadline) { // waits up to 1 ms
			return result{}, false
		}
	}
}

const ownWait = 5 * time.Millisecond

// readOne handles one message if one is there or comes within waitMs
// (readMu held); false when the socket is closed or failing.
func (c *ctlConn) readOne(waitMs int) bool {
	alive := true
	c.rc.Control(func(fd uintptr) {
		m, err := c.recvOnce(int(fd), unix.MSG_DONTWAIT)
		if errors.Is(err, unix.EAGAIN) && waitMs > 0 {
			unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, waitMs)
			m, err = c.recvOnce(int(fd), unix.MSG_DONTWAIT)
		}
		switch {
		case err == nil:
			c.handle(m)
		case !errors.Is(err, unix.EAGAIN) && !errors.Is(err, errMalformed):
			alive = false
		}
	})
	return alive
}

// spinTime bounds how long a caller reads for its own reply before it
// sleeps until the reader goroutine hands the reply over.
const spinTime = 100 * time.Microsecond

// spin reads the socket without blocking until the reply is there or
// spinTime passes, yielding the CPU between tries (the node may need it).
func (c *ctlConn) spin(ch chan result) (result, bool) {
	deadline := time.Now().Add(spinTime)
	for {
		select {
		case r := <-ch:
			return r, true
		default:
		}
		if !c.tryRead() || time.Now().After(deadline) {
			return result{}, false
		}
		syscall.Syscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
	}
}

// tryRead handles one message if one is there and no one else is reading;
// false when the socket is closed or failing.
func (c *ctlConn) tryRead() bool {
	if !c.readMu.TryLock() {
		return true
	}
	defer c.readMu.Unlock()
	return c.readOne(0)
}

// readLoop reads until the socket closes, then fails what is pending.
func (c *ctlConn) readLoop() {
	defer c.f.Close()
	defer c.closeAll()
	for {
		var err error
		rerr := c.rc.Read(func(fd uintptr) bool {
			c.readMu.Lock()
			defer c.readMu.Unlock()
			var m ctlMsg
			if m, err = c.recvOnce(int(fd), unix.MSG_DONTWAIT); err == nil {
				c.handle(m)
			}
			return !errors.Is(err, unix.EAGAIN)
		})
		if rerr != nil || (err != nil && !errors.Is(err, errMalformed)) {
			return
		}
	}
}

// errClosedOK marks a pending call ended by the socket closing: success for
// exec and exit, "process exited" for anything else.
var errClosedOK = fmt.Errorf("%w (control socket closed)", builtins.ErrExited)

func (c *ctlConn) forget(id uint32) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

func (c *ctlConn) deliver(id uint32, r result) {
	c.mu.Lock()
	w := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if w == nil { // a late reply after a timeout: drop it, and its fds
		closeInts(r.fds)
		return
	}
	if len(r.fds) > 0 && w.onFds != nil {
		w.onFds(&r)
	}
	w.ch <- r
}

// closeAll fails every pending call and marks the conn closed.
func (c *ctlConn) closeAll() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	for _, w := range pending {
		w.ch <- result{err: errClosedOK}
	}
	close(c.done)
}

func closeInts(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// ctlMsg is one message read from a control socket.
type ctlMsg struct {
	typ  byte
	id   uint32
	body []byte
	fds  []int
	pid  int // the sender's pid in the driver's namespace, if it sent credentials
}

// msgBufs hold one control message each, for one read.
var msgBufs = sync.Pool{New: func() any { b := make([]byte, maxMsg+1); return &b }}

// recvOnce reads one message (readMu held). The pooled buffer goes back
// to the pool on return, where another connection's read may take it, so
// the body is a copy.
func (c *ctlConn) recvOnce(fd, flags int) (ctlMsg, error) {
	buf := msgBufs.Get().(*[]byte)
	defer msgBufs.Put(buf)
	var oob [256]byte
	n, oobn, flags, _, err := unix.Recvmsg(fd, *buf, oob[:], flags|unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return ctlMsg{}, err
	}
	if n == 0 {
		return ctlMsg{}, errEOF
	}
	fds, pid := parseCmsgs(oob[:oobn])
	if flags&(unix.MSG_TRUNC|unix.MSG_CTRUNC) != 0 {
		closeInts(fds)
		return ctlMsg{}, fmt.Errorf("%w: truncated", errMalformed)
	}
	typ, id, body, err := parseHeader((*buf)[:n])
	if err != nil {
		closeInts(fds)
		return ctlMsg{}, err
	}
	return ctlMsg{typ: typ, id: id, body: bytes.Clone(body), fds: fds, pid: pid}, nil
}

var errEOF = errors.New("control socket closed")

// parseCmsgs returns the fds passed with a message and the sender's pid
// from its credentials, if any.
func parseCmsgs(oob []byte) (fds []int, pid int) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, 0
	}
	for _, m := range msgs {
		if r, err := unix.ParseUnixRights(&m); err == nil {
			fds = append(fds, r...)
		} else if c, err := unix.ParseUnixCredentials(&m); err == nil {
			pid = int(c.Pid)
		}
	}
	return fds, pid
}

// fromWireError rebuilds an error from a node: errnos stay syscall.Errno.
func fromWireError(w wireError) error {
	switch w.Kind {
	case errKindErrno:
		errno := syscall.Errno(w.Errno)
		if w.Path != "" {
			return &os.PathError{Op: w.Op, Path: w.Path, Err: errno}
		}
		if w.Op != "" {
			return os.NewSyscallError(w.Op, errno)
		}
		return errno
	case errKindUnsupported:
		if w.Op != "" && w.Op != builtins.ErrUnsupported.Error() {
			return fmt.Errorf("%w: %s", builtins.ErrUnsupported, strings.TrimPrefix(w.Op, "unsupported: "))
		}
		return builtins.ErrUnsupported
	case errKindFiltered:
		return &builtins.FilteredError{Call: w.Path}
	}
	return fmt.Errorf("%w: %s", builtins.ErrBadArg, w.Op)
}
