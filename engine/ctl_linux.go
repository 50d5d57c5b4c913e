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
// matched to replies by id. The poller (ctlPoller) reads what comes while
// nobody waits; a caller waiting for its reply owns the socket and reads
// it itself (spin, waitOwn): taking the reply itself spares two wake-ups,
// which cost more than the node's work. readMu makes each read-and-
// dispatch whole, so messages are handled in the order the node sent them.
type ctlConn struct {
	f       *os.File // blocking, so that Go's netpoller never watches it
	rc      syscall.RawConn
	poller  *ctlPoller
	mu      sync.Mutex
	pending map[uint32]*waiter
	ready   chan struct{} // closed when the node says ready
	done    chan struct{} // closed when the socket closed (exec or exit)
	closed  bool
	readMu  sync.Mutex
	handle  func(ctlMsg) // dispatches one message (called with readMu held)
	finish  sync.Once
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
	tv := unix.NsecToTimeval(recvTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("setsockopt", err)
	}
	f := os.NewFile(uintptr(fd), name)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &ctlConn{f: f, rc: rc, pending: map[uint32]*waiter{},
		ready: make(chan struct{}), done: make(chan struct{})}, nil
}

// send writes one message, waiting as long as the socket is full.
func (c *ctlConn) send(b []byte) error {
	return c.sendBy(context.Background(), time.Time{}, b)
}

// sendBy writes one message; SOCK_SEQPACKET writes are atomic. A full
// socket (a node that does not read) blocks the caller, as a pipe would,
// but only until ctx or the deadline (zero: none) ends or the conn
// closes: a stopped node with a few large calls queued (two of 100 kB
// fill the send buffer) kept later callers here for good, whatever their
// deadline (TestCallFullSocketEndsWithDeadline). Nothing of the message
// was sent then, so giving up leaves the socket whole. The checks are on
// the full-socket path only: no cost to a call.
func (c *ctlConn) sendBy(ctx context.Context, deadline time.Time, b []byte) error {
	var serr error
	err := c.rc.Control(func(fd uintptr) {
		for {
			serr = unix.Sendmsg(int(fd), b, nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
			if !errors.Is(serr, unix.EAGAIN) && !errors.Is(serr, unix.EINTR) {
				return
			}
			select {
			case <-ctx.Done():
				serr = ctx.Err()
				return
			case <-c.done:
				serr = builtins.ErrExited
				return
			default:
			}
			left := 100 * time.Millisecond
			if !deadline.IsZero() {
				if left = time.Until(deadline); left <= 0 {
					serr = context.DeadlineExceeded
					return
				}
			}
			// Short waits, to see ctx's end and the conn's close soon.
			ms := int(min(left, 10*time.Millisecond)/time.Millisecond) + 1
			unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}, ms)
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// own takes the socket for reading, disarming the poller's wake-up for
// it; false if someone else reads it.
func (c *ctlConn) own() bool {
	if !c.readMu.TryLock() {
		return false
	}
	// Not 0: epoll reports a hang-up whatever the mask, and without
	// EPOLLONESHOT it would report it again at every wait, a busy loop in
	// the poller until the owner lets go (an exec closes the socket while
	// its caller owns it). With it, one wake-up at most.
	c.poller.arm(c, unix.EPOLLONESHOT)
	return true
}

// release lets go of the socket and arms the poller again (after
// unlocking: see ctlPoller), unless the socket closed.
func (c *ctlConn) release() {
	c.readMu.Unlock()
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if !closed {
		c.poller.arm(c, armed)
	}
}

// readAll is the poller's read: the messages there, if nobody else reads.
// At most readBatch of them: a node that sends as fast as they are
// handled kept the poller here, and every other socket's replies and
// events waited (tens of ms, seen in TestCtlFloodDoesNotStarveOthers;
// for good if handling is slower than sending). The rest wakes the poller
// again, after the other sockets ready now, once release arms the socket.
func (c *ctlConn) readAll() {
	if !c.readMu.TryLock() {
		return // its reader arms the socket again when done
	}
	for range readBatch {
		alive, got := c.readOne(false)
		if !alive || !got {
			break
		}
	}
	c.release()
}

// call sends a call and waits for its reply, the socket closing, ctx's
// end or the deadline.
func (c *ctlConn) call(ctx context.Context, deadline time.Time, id uint32, msg []byte, noReturn bool, onFds func(*result)) result {
	ch := make(chan result, 1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return result{err: builtins.ErrExited}
	}
	c.pending[id] = &waiter{ch: ch, onFds: onFds}
	c.mu.Unlock()
	if err := c.sendBy(ctx, deadline, msg); err != nil {
		c.forget(id)
		select {
		case <-c.done: // closed since the check above ("use of closed file")
			err = builtins.ErrExited
		default:
			if errors.Is(err, unix.EPIPE) || errors.Is(err, unix.ECONNRESET) {
				// The node ended before the reader saw it: the same as
				// finding the conn closed, not an error of the send.
				err = builtins.ErrExited
			}
		}
		return result{err: fmt.Errorf("sending call: %w", err)}
	}
	var r result
	ok := false
	if runtime.GOMAXPROCS(0) > 1 { // another CPU runs the node meanwhile
		r, ok = c.spin(ch)
	}
	if !ok {
		r, ok = c.waitOwn(ctx, ch)
	}
	if !ok {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		select {
		case r = <-ch:
		case <-ctx.Done():
			r = c.giveUp(id, ch, ctx.Err())
		case <-t.C:
			r = c.giveUp(id, ch, context.DeadlineExceeded)
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
func (c *ctlConn) waitOwn(ctx context.Context, ch chan result) (r result, got bool) {
	c.readUntil(ownWait, func() bool {
		select {
		case r = <-ch:
			got = true
		default:
		}
		return got || ctx.Err() != nil // a cancelled call stops here, not after ownWait
	})
	return r, got
}

// waitOwnFor reads the socket itself, as waitOwn does, until ch is closed
// (a new node's ready message).
func (c *ctlConn) waitOwnFor(ch chan struct{}) {
	c.readUntil(ownWait, func() bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	})
}

// readUntil owns the socket and reads it, waiting in recvmsg, until done,
// the socket closes or wait passes (give or take recvTimeout); it returns
// at once if someone else reads it.
func (c *ctlConn) readUntil(wait time.Duration, done func() bool) {
	if !c.own() {
		return
	}
	defer c.release()
	deadline := time.Now().Add(wait)
	for !done() {
		if alive, _ := c.readOne(true); !alive || !time.Now().Before(deadline) {
			return
		}
	}
}

const (
	readBatch   = 64 // messages the poller reads from one socket per wake-up
	ownWait     = 5 * time.Millisecond
	recvTimeout = time.Millisecond // a blocking read's longest wait
)

// readOne handles one message if one is there, or, with wait, comes
// within recvTimeout (readMu held): got says it did; alive is false once
// the socket closed (then the conn is finished: pending calls fail, the
// fd is closed). Waiting is a blocking recvmsg, which SO_RCVTIMEO bounds:
// one syscall, where poll and a read would be two.
func (c *ctlConn) readOne(wait bool) (alive, got bool) {
	alive = true
	flags := unix.MSG_DONTWAIT
	if wait {
		flags = 0
	}
	err := c.rc.Control(func(fd uintptr) {
		m, err := c.recvOnce(int(fd), flags)
		if errors.Is(err, unix.ECONNRESET) {
			// The node ended with a message of ours unread in its socket:
			// the kernel reports that once (it clears the error), before
			// the messages the node sent and we did not read yet. Those
			// come next, then EOF; taking the reset as the end lost them
			// (a reply, a last event).
			m, err = c.recvOnce(int(fd), flags)
		}
		switch {
		case err == nil:
			c.handle(m)
			got = true
		case errors.Is(err, errMalformed):
			got = true
		case !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR):
			alive = false
		}
	})
	if err != nil || !alive {
		c.close()
		return false, got
	}
	return true, got
}

// spinTime bounds how long a caller reads for its own reply before it
// sleeps until the reader goroutine hands the reply over.
const spinTime = 100 * time.Microsecond

// spin reads the socket without blocking until the reply is there or
// spinTime passes, yielding the CPU between tries (the node may need it).
func (c *ctlConn) spin(ch chan result) (result, bool) {
	if !c.own() {
		return result{}, false
	}
	defer c.release()
	deadline := time.Now().Add(spinTime)
	for {
		select {
		case r := <-ch:
			return r, true
		default:
		}
		if alive, _ := c.readOne(false); !alive || time.Now().After(deadline) {
			return result{}, false
		}
		syscall.Syscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
	}
}

// close ends the conn (the socket closed, or the driver closes): pending
// calls fail, the poller forgets it, the fd is closed.
func (c *ctlConn) close() {
	c.finish.Do(func() {
		c.closeAll()
		if c.poller != nil {
			c.poller.remove(c)
		}
		c.f.Close()
	})
}

// errClosedOK marks a pending call ended by the socket closing: success for
// exec and exit, "process exited" for anything else.
var errClosedOK = fmt.Errorf("%w (control socket closed)", builtins.ErrExited)

// forget drops a pending call; false if its reply was already taken for
// delivery (or the conn closed), and so is on its way to the caller.
func (c *ctlConn) forget(id uint32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, pending := c.pending[id]
	delete(c.pending, id)
	return pending
}

// giveUp ends a wait that ran out (err), unless the reply came at the same
// moment: then the call did happen (a fork's child is in the tree), and
// the caller gets the reply.
func (c *ctlConn) giveUp(id uint32, ch chan result, err error) result {
	if c.forget(id) {
		return result{err: err}
	}
	return <-ch
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
