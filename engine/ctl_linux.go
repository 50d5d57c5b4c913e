package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/spin"
	"github.com/alsh/alsh/engine/internal/wire"
)

// ctlConn is the driver's end of one node's control socket. Calls are
// matched to replies by id. Whoever holds the read token (tok) reads the
// socket: a caller waiting for its reply reads it itself, blocked in
// recvmsg (readUntil), and hands what else comes to whoever waits for it;
// the poller (ctlPoller) reads it when the node rang its bell (an event)
// or hung up. Holding the token makes each read-and-dispatch whole, so
// messages are handled in the order the node sent them.
type ctlConn struct {
	sock    *sharedFd // blocking; an fd of ours, not an os.File (see sharedFd)
	bell    *bell     // the node's; nil until known
	parked  bool      // relayed (a remote host): callers park and the poller reads
	poller  *ctlPoller
	mu      sync.Mutex
	pending map[uint32]*waiter
	ready   chan struct{} // closed when the node says ready
	done    chan struct{} // closed when the socket closed (exec or exit)
	closed  bool
	tok     chan struct{} // holds the read token while nobody reads
	missed  atomic.Bool   // the poller found the token taken (see readAll)
	fired   atomic.Bool   // the socket's one-shot registration fired: the next read arms it again
	late    lateReplies   // messages due that nobody waits for, which nobody else would read
	handle  func(ctlMsg)  // dispatches one message (called with the token held)
	pid     atomic.Int32  // the node's pid as the driver sees it, once ready
	finish  sync.Once
	// The token holder's read: header and control data (fds,
	// credentials), kept here so that a read allocates nothing.
	rh   wire.RecvHdr
	roob [256]byte
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

// waiters are reused: a call's waiter is quiet once its result is taken
// from ch (deliver and closeAll send once, to a waiter they took out of
// pending, and giveUp takes a result on its way).
var waiters = sync.Pool{New: func() any { return &waiter{ch: make(chan result, 1)} }}

func newCtlConn(fd int) (*ctlConn, error) {
	tv := unix.NsecToTimeval(recvTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("setsockopt", err)
	}
	c := &ctlConn{sock: newSharedFd(fd), pending: map[uint32]*waiter{},
		ready: make(chan struct{}), done: make(chan struct{}), tok: make(chan struct{}, 1)}
	c.tok <- struct{}{}
	return c, nil
}

// setBell gives c the node's bell, before the conn goes to the poller.
func (c *ctlConn) setBell(fd int) { c.bell = bellOf(fd) }

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
	return c.sendWith(ctx, deadline, b, nil)
}

// sendWith is sendBy with control data (oob: fds passed with
// SCM_RIGHTS, see fdpass_linux.go).
func (c *ctlConn) sendWith(ctx context.Context, deadline time.Time, b, oob []byte) error {
	fd, ok := c.sock.acquire()
	if !ok {
		return os.ErrClosed
	}
	defer c.sock.done()
	for {
		err := sendNowWith(fd, b, oob)
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.done:
			return builtins.ErrExited
		default:
		}
		left := 100 * time.Millisecond
		if !deadline.IsZero() {
			if left = time.Until(deadline); left <= 0 {
				return context.DeadlineExceeded
			}
		}
		// Short waits, to see ctx's end and the conn's close soon.
		ms := int(min(left, 10*time.Millisecond)/time.Millisecond) + 1
		unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}, ms)
	}
}

// sendNow sends b without waiting (MSG_DONTWAIT), in a RawSyscall: it
// never blocks. With a Syscall, a send during which the node's wake-up
// preempted the caller (one CPU) let sysmon take the caller's P and hand
// it to another thread, to which the caller then moved: perf sched showed
// the driver's goroutine on two threads in turn (61k and 40k switches in
// 100k pinned calls, 2.11 switches per call in all); with the RawSyscall,
// one thread, 2.05 switches per call.
func sendNow(fd int, b []byte) error {
	if e := wire.SendNow(fd, b); e != 0 {
		return e
	}
	return nil
}

// take takes the read token, if nobody holds it.
func (c *ctlConn) take() bool {
	select {
	case <-c.tok:
		return true
	default:
		return false
	}
}

// release gives the token back, and reads what the poller left because
// the token was taken (missed).
func (c *ctlConn) release() {
	c.tok <- struct{}{}
	if c.missed.Load() {
		c.readAll()
	}
}

// readAll reads the messages there, without waiting: the poller's read,
// after a ring or a hang-up, and a holder's on letting go of a missed
// read. It takes the token; if someone else holds it, it leaves the note
// missed, which the holder reads on letting go (the second take covers
// a holder that let go meanwhile, before the note was there).
//
// At most readBatch messages at a time: a node that sends as fast as they
// are handled kept the poller here, and every other socket's events
// waited (tens of ms, seen in TestCtlFloodDoesNotStarveOthers; for good
// if handling is slower than sending). For the rest it rings the bell
// itself, which wakes the poller again after the other sockets ready now.
func (c *ctlConn) readAll() {
	for {
		if !c.take() {
			c.missed.Store(true)
			if !c.take() {
				return
			}
		}
		c.missed.Store(false)
		n := 0
		for ; n < readBatch; n++ {
			if alive, got := c.readOne(false, true); !alive || !got {
				break
			}
		}
		if c.fired.Swap(false) { // after the read: armed over a message, it would fire at once
			c.poller.watch(c)
		}
		c.tok <- struct{}{}
		if n == readBatch {
			c.ringSelf()
			return
		}
		if !c.missed.Load() {
			return
		}
	}
}

// ringSelf rings c's bell, if it has one yet.
func (c *ctlConn) ringSelf() {
	if c.bell != nil {
		c.bell.ring()
	}
}

// call sends a call and waits for its reply, the socket closing, ctx's
// end or the deadline.
func (c *ctlConn) call(ctx context.Context, deadline time.Time, id uint32, msg []byte, noReturn bool, onFds func(*result)) result {
	return c.callWith(ctx, deadline, id, msg, nil, noReturn, onFds)
}

// callWith is call with control data sent along (fds: fdpass_linux.go).
func (c *ctlConn) callWith(ctx context.Context, deadline time.Time, id uint32, msg, oob []byte, noReturn bool, onFds func(*result)) result {
	w := waiters.Get().(*waiter)
	w.onFds = onFds
	under := callsUnderWay.Add(1)
	defer callsUnderWay.Add(-1)
	defer func() {
		w.onFds = nil
		waiters.Put(w)
	}()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return result{err: builtins.ErrExited}
	}
	c.pending[id] = w
	c.mu.Unlock()
	spinFor := spin.Reply
	if noReturn {
		spinFor = spin.Exec
		c.awaitEnd()
	}
	if crowded(under) {
		wire.MarkCrowded(msg)
		spinFor = 0
	}
	if err := c.sendWith(ctx, deadline, msg, oob); err != nil {
		if !c.forget(id) {
			<-w.ch // closeAll's, sent or on its way: w is empty again
		}
		c.endNotAwaited(noReturn)
		return result{err: c.sendError(err)}
	}
	r := c.await(ctx, deadline, id, w.ch, spinFor)
	if noReturn && errors.Is(r.err, errClosedOK) {
		return result{}
	}
	c.endNotAwaited(noReturn)
	return r
}

// awaitEnd: the caller of an exec or exit reads the socket to its end
// itself, so the poller need not watch it meanwhile (ctlPoller.unwatch).
func (c *ctlConn) awaitEnd() {
	if c.poller != nil && !c.parked {
		c.poller.unwatch(c)
	}
}

// endNotAwaited undoes awaitEnd when the socket did not end with the
// call (the exec failed, or the caller gave up first).
func (c *ctlConn) endNotAwaited(noReturn bool) {
	if noReturn && c.poller != nil && !c.parked {
		c.poller.rewatch(c)
	}
}

// sendError words a call's failed send (the call forgotten): a conn
// closed since it was sent to, or a node that ended before the reader
// saw it, is the node's end, not an error of the send.
func (c *ctlConn) sendError(err error) error {
	select {
	case <-c.done: // closed meanwhile ("use of closed file")
		err = builtins.ErrExited
	default:
		if errors.Is(err, unix.EPIPE) || errors.Is(err, unix.ECONNRESET) {
			err = builtins.ErrExited
		}
	}
	return fmt.Errorf("sending call: %w", err)
}

// await waits for the reply to call id, reading the socket itself
// (readUntil): the node's reply then wakes the caller directly, not the
// Go netpoller and then a reader goroutine (each wake-up costs more than
// the call on a VM). With several CPUs it first spins (the node runs
// meanwhile on another). While another caller reads, it waits for that
// one to hand the reply over or to let go of the token. A crowded call
// (spinFor 0) does not spin: see crowded.
func (c *ctlConn) await(ctx context.Context, deadline time.Time, id uint32, ch chan result, spinFor time.Duration) result {
	var r result
	got := false
	have := func() bool {
		select {
		case r = <-ch:
			got = true
		default:
		}
		return got || ctx.Err() != nil // a cancelled call stops reading
	}
	if c.parked {
		return c.awaitParked(ctx, deadline, id, ch)
	}
	if spinFor > 0 && runtime.GOMAXPROCS(0) > 1 && c.spin(have, spinFor) && got {
		return r
	}
	var t *time.Timer
	for {
		c.readUntil(deadline, have, waitReply)
		if have(); got {
			return r
		}
		if ctx.Err() != nil {
			return c.giveUp(id, ch, ctx.Err())
		}
		if !time.Now().Before(deadline) {
			return c.giveUp(id, ch, context.DeadlineExceeded)
		}
		if t == nil { // someone else reads: wait for them
			t = time.NewTimer(time.Until(deadline))
			defer t.Stop()
		}
		select {
		case r = <-ch:
			return r
		case <-c.tok: // let go of: read for ourselves
			c.readHeld(deadline, have, waitReply)
		case <-ctx.Done():
			return c.giveUp(id, ch, ctx.Err())
		case <-t.C:
			return c.giveUp(id, ch, context.DeadlineExceeded)
		}
	}
}

// waitKind says what readUntil waits for.
type waitKind uint8

const (
	// waitReply: a reply or a ready message, due soon. With GOMAXPROCS 1
	// the waits are RawSyscalls until one runs out: with a Syscall,
	// sysmon retook the one P of a caller blocked past 20 µs, handed it
	// to another thread, and the caller's goroutine moved there when its
	// reply came (pinned round trip, interleaved runs: median 1.14× the
	// raw one before, 1.03× after). Other goroutines wait meanwhile: at
	// most a tick (the socket's timeout, 4 ms here), after which the
	// waits are Syscalls.
	waitReply waitKind = iota
	// waitEvent: an event, which may take long. The bell is muted
	// meanwhile: the event's ring would wake the poller for nothing. With
	// GOMAXPROCS 1 its waits too are RawSyscalls until one runs out: a
	// child's exit event then came without the P's hand-offs (fork+
	// execvp+exit on one CPU, 4 interleaved rounds: 951–995 -> 765–842
	// µs), and a slow event holds the P a tick at most, as a reply does.
	waitEvent
)

// readUntil takes the token, if nobody holds it (else false), and reads
// the socket, waiting in recvmsg, until done, the socket closes or the
// deadline passes (checked between reads, each of which waits up to
// recvTimeout).
func (c *ctlConn) readUntil(deadline time.Time, done func() bool, kind waitKind) bool {
	return c.readUntilOf(deadline, done, kind, nil)
}

// readUntilOf is readUntil for an event of process of (nil: any), whose
// dormant output the spin watches itself (quietOut).
func (c *ctlConn) readUntilOf(deadline time.Time, done func() bool, kind waitKind, of *proc) bool {
	if !c.take() {
		return false
	}
	c.readHeldOf(deadline, done, kind, of)
	return true
}

// readHeld is readUntil with the token taken; it lets go of it. A caller
// that took the token waiting for it must read with it: handing it back
// at once let the waiters pass it round among themselves, none reading
// (seen in TestConcurrentCallsOneNode).
func (c *ctlConn) readHeld(deadline time.Time, done func() bool, kind waitKind) {
	c.readHeldOf(deadline, done, kind, nil)
}

func (c *ctlConn) readHeldOf(deadline time.Time, done func() bool, kind waitKind, of *proc) {
	quiet := kind == waitEvent && c.bell != nil
	if quiet {
		c.poller.muteBell(c, false)
	}
	raw := runtime.GOMAXPROCS(0) == 1 // see waitKind
	open := true                      // the socket, as the spin left it
	if kind == waitEvent && !raw {
		var out quietOut
		if of != nil {
			out.quiet(of)
		}
		open = c.spinHeld(done, min(spin.Event, time.Until(deadline)), &out)
		out.end()
	}
	var look time.Time // when to look at the node's main thread (guardAfter)
	for open && !done() {
		alive, got := c.readOne(true, raw)
		now := time.Now()
		if !alive || !now.Before(deadline) {
			break
		}
		raw = raw && got
		if kind == waitReply { // a slow reply: is the node's main thread alive?
			if look.IsZero() {
				look = now.Add(guardAfter)
			} else if now.After(look) {
				c.checkMainThread()
				look = now.Add(guardEvery)
			}
		}
	}
	if quiet {
		c.unmute()
	}
	c.release()
}

// unmute lets the bell wake the poller again after readUntil muted it.
// The rings of the events read meanwhile are still counted: they are
// taken back first, so that the poller is not woken for nothing, and the
// socket read once more, for an event whose ring that took back too. A
// full batch may leave more, whose rings went too: the bell is rung for
// them, as readAll does.
func (c *ctlConn) unmute() {
	c.bell.drain()
	n := 0
	for ; n < readBatch; n++ {
		if alive, got := c.readOne(false, false); !alive || !got {
			break
		}
	}
	if n == readBatch {
		c.ringSelf()
	}
	c.poller.muteBell(c, true)
}

const (
	readBatch   = 64 // messages the poller reads from one socket per wake-up
	ownWait     = 5 * time.Millisecond
	recvTimeout = time.Millisecond // a blocking read's longest wait (a tick: 4 ms at HZ=250)
)

// readOne handles one message if one is there, or, with wait, comes
// within recvTimeout (token held), waiting in a RawSyscall if raw (see
// waitReply; a read without wait is always one): got says it did; alive is false once
// the socket closed (then the conn is finished: pending calls fail, the
// fd is closed). Waiting is a blocking recvmsg, which SO_RCVTIMEO bounds:
// one syscall, where poll and a read would be two.
func (c *ctlConn) readOne(wait, raw bool) (alive, got bool) {
	fd, ok := c.sock.acquire()
	if !ok {
		c.close()
		return false, false
	}
	flags := unix.MSG_DONTWAIT
	if wait {
		flags = 0
	} else {
		// A read that cannot block is a RawSyscall whatever the Ps: a
		// spin makes hundreds, and a Syscall's entry wakes the
		// runtime's sysmon whenever it sleeps (all Ps idle a moment),
		// a thread woken on a CPU that the node or its child wanted.
		raw = true
	}
	buf := msgBufs.Get().(*[]byte)
	m, err := c.recvOnce(fd, *buf, flags, raw)
	if errors.Is(err, unix.ECONNRESET) {
		// The node ended with a message of ours unread in its socket:
		// the kernel reports that once (it clears the error), before the
		// messages the node sent and we did not read yet. Those come
		// next, then EOF; taking the reset as the end lost them (a
		// reply, a last event).
		m, err = c.recvOnce(fd, *buf, flags, raw)
	}
	c.sock.done()
	alive = true
	switch {
	case err == nil:
		c.handle(m) // before the buffer goes back: m.body is in it
		got = true
	case errors.Is(err, wire.ErrMalformed):
		got = true
	case !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR):
		alive = false
	}
	msgBufs.Put(buf)
	if !alive {
		c.close()
	}
	return alive, got
}

// spin reads the socket without blocking until done or spinFor passes
// (see package spin for the times),
// yielding the CPU between tries (the node may need it); false if it
// gave up or someone else reads.
func (c *ctlConn) spin(done func() bool, spinFor time.Duration) bool {
	if !c.take() {
		return false
	}
	defer c.release()
	return c.spinHeld(done, spinFor, nil) && done()
}

// spinHeld is spin with the token taken; false once the socket closed.
// Between tries it looks at out's pipes, if any (quietOut).
func (c *ctlConn) spinHeld(done func() bool, spinFor time.Duration, out *quietOut) bool {
	for s := spin.Start(spinFor); !done(); {
		alive, _ := c.readOne(false, false)
		if !alive {
			return false
		}
		if out != nil {
			out.look()
		}
		if !s.Again() {
			break
		}
	}
	return true
}

// close ends the conn (the socket closed, or the driver closes): pending
// calls fail, the poller forgets it, the fd is closed.
func (c *ctlConn) close() {
	c.finish.Do(func() {
		c.closeAll()
		if c.poller != nil {
			c.poller.remove(c)
		}
		c.sock.close()
		if c.bell != nil {
			c.bell.close()
		}
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
//
// A reply still due rings no bell: the poller watches the socket until it
// came (late), else it stayed unread, with the fds of a fork's child,
// which then lived on.
func (c *ctlConn) giveUp(id uint32, ch chan result, err error) result {
	if c.forget(id) {
		c.expectLate()
		return result{err: err}
	}
	return <-ch
}

// expectLate counts one more message due that nobody will wait for, and
// has the poller watch the socket for it.
func (c *ctlConn) expectLate() {
	c.late.expect()
	if c.poller != nil {
		c.poller.watch(c)
	}
}

// readyIsLate: nobody waits for the ready message any more; the poller
// reads it when it comes (a ready message rings no bell), so that the
// node, which stays in the tree, learns its host pid.
func (c *ctlConn) readyIsLate() {
	if !isClosed(c.ready) && c.late.readyDue() {
		c.expectLate()
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func (c *ctlConn) deliver(id uint32, r result) {
	c.mu.Lock()
	w := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if w == nil { // a late reply after a timeout: drop it, and its fds
		closeInts(r.fds)
		c.late.came()
		return
	}
	if len(r.fds) > 0 {
		if w.onFds == nil { // fds with a reply that makes no process
			closeInts(r.fds)
			r.fds = nil
		} else {
			rr := r // apart: taking r's address would put r on the heap for every reply
			w.onFds(&rr)
			r = rr
		}
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
	body []byte // in the reader's buffer: valid during handle only
	fds  []int
	pid  int // the sender's pid in the driver's namespace, if it sent credentials
	// fdsLost: the kernel could not give us the fds that came with this
	// reply (MSG_CTRUNC: the driver's RLIMIT_NOFILE is reached), and
	// closed them.
	fdsLost bool
}

// msgBufs hold one control message each, for one read.
var msgBufs = sync.Pool{New: func() any { b := make([]byte, wire.MaxMsg+1); return &b }}

// emptyRecord tells an empty message, just read (a node's program wrote
// "" to the socket: write [$c] 3 ""), from the socket's end: both read as
// 0 bytes, but at the end the next read is 0 again.
func (c *ctlConn) emptyRecord(fd int, buf []byte) bool {
	n, errno := c.rh.Recv(fd, buf, nil, unix.MSG_PEEK|unix.MSG_DONTWAIT, true)
	return errno == unix.EAGAIN || n > 0
}

// recvOnce reads one message into buf (token held), with a recvmsg of its
// own rather than unix.Recvmsg, which allocates the sender's address. The
// message's body is in buf.
func (c *ctlConn) recvOnce(fd int, buf []byte, flags int, raw bool) (ctlMsg, error) {
	n, errno := c.rh.Recv(fd, buf, c.roob[:], flags|unix.MSG_CMSG_CLOEXEC, raw)
	if errno != 0 {
		return ctlMsg{}, errno
	}
	if n == 0 {
		if c.emptyRecord(fd, buf) {
			return ctlMsg{}, fmt.Errorf("%w: an empty message", wire.ErrMalformed)
		}
		return ctlMsg{}, errEOF
	}
	var fds []int
	var pid int
	if c.rh.Msg.Controllen > 0 {
		fds, pid = wire.ParseCmsgs(c.roob[:c.rh.Msg.Controllen])
	}
	lost := c.rh.Msg.Flags&unix.MSG_CTRUNC != 0
	typ, id, body, err := wire.ParseHeader(buf[:n])
	if c.rh.Msg.Flags&unix.MSG_TRUNC != 0 || (lost && typ != wire.MsgReply) {
		closeInts(fds)
		return ctlMsg{}, fmt.Errorf("%w: truncated", wire.ErrMalformed)
	}
	if err != nil || lost {
		closeInts(fds)
		fds = nil
	}
	if err != nil {
		return ctlMsg{}, err
	}
	return ctlMsg{typ: typ, id: id, body: body, fds: fds, pid: pid, fdsLost: lost}, nil
}

var errEOF = errors.New("control socket closed")

// fromWireError rebuilds an error from a node: errnos stay syscall.Errno.
func fromWireError(w wire.Error) error {
	switch w.Kind {
	case wire.ErrKindErrno:
		errno := syscall.Errno(w.Errno)
		if w.Path != "" {
			return &os.PathError{Op: w.Op, Path: w.Path, Err: errno}
		}
		if w.Op != "" {
			return os.NewSyscallError(w.Op, errno)
		}
		return errno
	case wire.ErrKindUnsupported:
		if w.Op != "" && w.Op != builtins.ErrUnsupported.Error() {
			return fmt.Errorf("%w: %s", builtins.ErrUnsupported, strings.TrimPrefix(w.Op, "unsupported: "))
		}
		return builtins.ErrUnsupported
	case wire.ErrKindFiltered:
		return &builtins.FilteredError{Call: w.Path}
	case wire.ErrKindSkipped:
		return fmt.Errorf("%w: an earlier call of its batch failed", builtins.ErrSkipped)
	}
	return fmt.Errorf("%w: %s", builtins.ErrBadArg, w.Op)
}

// callsUnderWay counts the calls sent or about to be, whose replies are
// not in yet, in every engine of the process: they share its CPUs. They
// are not bounded: callers parked beyond a bound (admission control) made
// fewer calls/s, each hand-off a wake-up (docs/engine.md, "Many callers").
var callsUnderWay atomic.Int32

// crowded says whether the under'th call under way is crowded: more calls
// are under way than half the Ps (GOMAXPROCS, asked only when calls
// overlap; a caller and its node each want a CPU to spin on), so a spin
// would only take a CPU that other nodes and callers need to answer and
// to read. Neither its caller nor, told by wire.FlagCrowded, its node
// spins: the caller waits in its blocking recvmsg (readUntil), the node
// in its own (awaitCalls), each woken by the other's message. With 32
// callers into 32 nodes on 2 CPUs the nodes' spins, which yielded to each
// other within a few µs and so never looked crowded, had held nearly half
// of the CPU time; docs/engine.md ("Crowded calls") has the figures, and
// the ways of waiting that cost more (callers parked for the poller, or
// holding their Ps).
//
// Below that each caller may spin, and its spin, as its node's, ends at
// a yield that finds another thread wanting the CPU (crowded only beyond
// one call per P, 2 callers into 2 nodes on 2 CPUs took 18–22 µs of CPU
// time per call against 12–14, all four spinning). With one P nothing is
// crowded: nobody spins there anyway, and a caller's wait holds the P (a
// RawSyscall, waitReply) while its node answers on the one CPU, so calls
// go one after the other without the scheduler.
func crowded(under int32) bool {
	if allCrowded.Load() {
		return true
	}
	if under <= 1 {
		return false
	}
	procs := int32(runtime.GOMAXPROCS(0))
	return procs > 1 && under > procs/2
}

// allCrowded makes every call crowded (tests).
var allCrowded atomic.Bool
