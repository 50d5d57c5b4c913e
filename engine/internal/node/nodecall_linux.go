package node

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
	"github.com/alsh/alsh/engine/internal/spin"
	"github.com/alsh/alsh/engine/internal/wire"
)

// handleCtl reads and serves one message; false means the control socket
// closed (the driver is gone) and the node must end.
func (n *node) handleCtl() bool {
	alive, _ := n.readCtl(0)
	return alive
}

// readCtl serves one message if there is one; alive is false once the
// control socket closed.
func (n *node) readCtl(recvFlags int) (alive, served bool) {
	alive, served, _ = n.readCtlRaw(recvFlags, false)
	return alive, served
}

// readCtlRaw reads with the node's wire.RecvHdr, in a RawSyscall for
// awaitCalls (see there).
func (n *node) readCtlRaw(recvFlags int, raw bool) (alive, served, interrupted bool) {
	m, errno := n.rh.Recv(proto.FdCtl, n.buf, n.oob, recvFlags|unix.MSG_CMSG_CLOEXEC, raw)
	n.takeCallFds(errno == 0 && m > 0)
	switch {
	case errno == unix.EINTR:
		return true, false, true
	case errno == unix.EAGAIN:
		return true, false, false
	case errno != 0 || m == 0:
		return false, false, false
	}
	n.serveMsg(m, int(n.rh.Msg.Flags))
	n.closeCallFds()
	return true, true, false
}

// spinCtl serves calls that follow quickly (a script's next line) before
// the node goes back to its loop: on a VM, a wake-up costs more than the
// call. With several CPUs it spins for spin.Node after the last call,
// yielding the CPU between tries, so an idle node uses none; with one, or
// after a call the driver marked crowded (wire.FlagCrowded: other nodes
// and callers want the CPUs), it waits in recvmsg instead (awaitCalls).
func (n *node) spinCtl() bool {
	if !n.spin {
		return n.awaitCalls()
	}
	if n.crowded {
		return n.awaitCrowded()
	}
	for s := spin.Start(spin.Node); ; {
		alive, served := n.readCtl(unix.MSG_DONTWAIT)
		switch {
		case !alive:
			return false
		case served && n.crowded:
			return n.awaitCrowded()
		case served:
			s.Extend()
		case !s.Again():
			n.closeAfterReply()
			return true
		}
	}
}

// awaitCalls waits for the next calls in a blocking recvmsg, up to
// callWait each (the socket's SO_RCVTIMEO, set by setCallWait), before
// the node goes back to its loop. The driver's send then wakes this
// thread directly, which costs less than a wake-up through epoll, and the
// read is the only syscall: a pinned round trip took about 1 µs less
// (measured A/B in one process).
//
// A caught signal must still be reported at once. Its handler (proto's
// sigHandler) makes the socket non-blocking, writes its byte to the
// signal pipe and counts it (proto.SignalsWritten), and interrupts a
// recvmsg under way; the node counts the bytes it read (sigSeen). So
// whenever the handler runs: before the check of the count, the check
// sends the node to its loop, which reads the byte; after it, the
// recvmsg fails at once (EAGAIN) or with EINTR (a socket with a timeout
// is never restarted). The lifeline is seen within callWait; after
// awaitMax calls in a row the loop looks at signals and the lifeline
// anyway.
//
// The socket stays non-blocking after a signal whose handler ran while
// handleSignals made it blocking: a wait that ends at once with no signal
// unread makes it blocking and waits again (once). A wait interrupted by
// no signal of ours (the runtime's SIGURG, when sysmon preempts the
// node, which it takes for running, past 10 ms) goes on, for callWait in
// all (each recvmsg's timeout starts anew).
//
// The wait is a RawSyscall, not a Syscall: the runtime then takes the node
// for running, and sysmon, which retakes the P of a thread blocked in a
// Syscall past 20 µs (the node has one), stays quiet instead of waking
// while calls come (perf sched of 100k pinned calls: the node's other
// thread switched 9.9k times before, 1.7k after). The wait is bounded
// (callWait), below sysmon's 10 ms before it preempts a running
// goroutine, and the node has no other goroutine that needs the P.
//
// A node that spins waits here too after a crowded call (spinCtl): back
// in epoll_wait, a Syscall, its sysmon woke about once per call (11 % of
// the nodes' CPU time with 32 callers into 32 nodes on 2 CPUs, perf);
// waiting here instead doubled those callers' calls/s (2.5 context
// switches per call instead of 5.5; an A/B of this change alone).
func (n *node) awaitCalls() bool {
	n.closeAfterReply()
	if !n.await {
		return true
	}
	again := true
	var until time.Time // when an interrupted wait gives up
	for calls := 0; calls < awaitMax; {
		if proto.SignalsWritten() != n.sigSeen {
			return true
		}
		alive, served, interrupted := n.readCtlRaw(0, true)
		switch {
		case !alive:
			return false
		case served:
			n.closeAfterReply() // before it sleeps again
			n.refillSpare()
			calls++
		case interrupted && until.IsZero():
			until = time.Now().Add(n.callWait)
		case interrupted && time.Now().Before(until): // not by a signal of ours (see above)
		case again && proto.SignalsWritten() == n.sigSeen && ctlNonBlocking():
			ctlBlocking()
			again = false
		default:
			return true
		}
	}
	return true
}

// awaitCrowded waits as awaitCalls after a crowded call; a node that
// spins sets up that wait at its first (a node that never sees one keeps
// its control socket as it was).
func (n *node) awaitCrowded() bool {
	if !n.await {
		n.startAwait()
	}
	return n.awaitCalls()
}

// startAwait sets up awaitCalls' wait, if signals can interrupt it.
func (n *node) startAwait() {
	if n.await = n.setCallWait(); n.await {
		n.handleSignals() // those caught so far, counted for awaitCalls
	}
}

const (
	callWait = time.Millisecond // rounded up to a tick: 4 ms at HZ=250
	awaitMax = 64
	// CallWaitEnv replaces callWait, for tests: with a long wait, a
	// signal that did not end it would show.
	CallWaitEnv = "ALSH_TEST_CALL_WAIT"
)

// setCallWait bounds a blocking read of the control socket to callWait
// (awaitCalls); false leaves the node waiting in epoll only, as on
// architectures whose signals cannot interrupt the wait.
func (n *node) setCallWait() bool {
	if !proto.SignalsInterruptMain {
		return false
	}
	ctlBlocking()
	n.callWait = callWait
	if d, err := time.ParseDuration(os.Getenv(CallWaitEnv)); err == nil && d > 0 {
		n.callWait = d
	}
	tv := unix.NsecToTimeval(n.callWait.Nanoseconds())
	return unix.SetsockoptTimeval(proto.FdCtl, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv) == nil
}

// ctlBlocking undoes proto's sigHandler's O_NONBLOCK on the control socket.
func ctlBlocking() { unix.FcntlInt(proto.FdCtl, unix.F_SETFL, 0) }

func ctlNonBlocking() bool {
	fl, err := unix.FcntlInt(proto.FdCtl, unix.F_GETFL, 0)
	return err == nil && fl&unix.O_NONBLOCK != 0
}

// spinWorthIt: spinning pays only when the peer can run meanwhile on
// another CPU; with one CPU it only delays the peer. A node asks once, at
// start (its affinity is its parent's).
func spinWorthIt() bool {
	var set unix.CPUSet
	return unix.SchedGetaffinity(0, &set) == nil && set.Count() > 1
}

func (n *node) serveMsg(m, flags int) {
	msg := n.buf[:m]
	n.crowded = wire.Crowded(msg)
	typ, id, body, err := wire.ParseHeader(msg)
	if err == nil && typ == wire.MsgCall && wire.Chained(msg) && n.last.endedBatch() {
		n.replySkipped(id) // n.last stays: the batch stays ended
		return
	}
	n.last = lastCall{tolerated: wire.Tolerated(msg)}
	switch {
	case flags&unix.MSG_TRUNC != 0:
		n.replyErr(id, errTooLarge)
	case err != nil:
		n.replyErr(id, err)
	case typ != wire.MsgCall:
		n.replyErr(id, errUnexpected)
	default:
		n.serve(id, body)
	}
}

var (
	errTooLarge   = errors.New("message larger than the node accepts")
	errUnexpected = errors.New("unexpected message type")
)

func (n *node) serve(id uint32, body []byte) {
	n.closeAfterReply()
	n.callID = id
	nr, args, err := wire.DecodeCall(body)
	if err != nil {
		n.replyErr(id, err)
		return
	}
	res, err := n.call(nr, args)
	if err != nil {
		n.replyErr(id, err)
		return
	}
	n.reply(id, res)
}

func (n *node) call(nr int, args []any) (any, error) {
	if nr < 0 || nr >= len(builtins.Table) {
		return nil, &builtins.ArgError{Call: "call", Msg: "no call number " + itoa(nr)}
	}
	c := &builtins.Table[nr]
	impl, ok := builtins.ImplOf(c.Name)
	raw, rawOK := proto.Raw(nr)
	if !ok && !rawOK {
		return nil, builtins.ErrUnsupported
	}
	if err := n.checkFilter(c.Name); err != nil {
		return nil, err
	}
	if err := builtins.CheckWire(c, args); err != nil {
		return nil, err
	}
	if !keepSpareAcross(c) { // the call may change what a child inherits
		n.dropSpare()
		n.protoEnv = nil
	}
	if rawOK {
		if w, keep := rawWords(raw, args); raw.Accepts(&w) {
			if res, ok := raw.LimitAsked(&w); ok {
				if cur, max, kept := n.ExecRlimit(int(res)); kept {
					w.SetKept(cur, max)
				}
			}
			return rawCall(raw, &w, args, keep)
		}
	}
	if !ok {
		return nil, builtins.ErrUnsupported
	}
	return impl(n, args)
}

func (n *node) reply(id uint32, res any) {
	var fds []int
	switch s := res.(type) {
	case *builtins.Spawned:
		res, fds = int64(s.Pid), s.Fds
	case *builtins.WithFds:
		res, fds = s.Value, s.Fds
	}
	b, err := wire.EncodeValue(wire.PutHeader(n.out[:0], wire.MsgReply, id), res)
	if err != nil {
		n.replyErr(id, err)
	} else {
		n.send(b, fds)
	}
	if cap(b) <= maxKeptReply { // sent: the next reply is encoded in the same buffer
		n.out = b
	}
	n.afterReply = append(n.afterReply, fds...)
}

// closeAfterReply closes the fds that a fork's reply let go of: the new
// child's ends of its pipes and the copies of those sent to the driver
// (Spawn, reply). The node closes them at its next call, or before it
// sleeps (at the end of its spin, spinCtl, or in awaitCalls), not on the
// way to the reply nor between it and the spin's first yield: the
// driver, waiting for the reply, often runs on the node's CPU (a wake-up
// by a socket goes to the waker's CPU), and got it ten closes later.
// The child holds its own copies, and the driver its ends, whose closes
// say what they say (the exec's end of the control socket, a pipe's
// hang-up) once the node's copies are closed too: within a spin (50
// µs), before any wait.
func (n *node) closeAfterReply() {
	for _, fd := range n.afterReply {
		unix.Close(fd)
	}
	n.afterReply = n.afterReply[:0]
}

// maxKeptReply: a node keeps the buffer of its last reply up to this
// size for the next one (an allocation per call, 8 % of a busy node's
// time), not a large read's.
const maxKeptReply = 4 << 10

func (n *node) replyErr(id uint32, err error) {
	w := toWireError(err)
	n.last.failed, n.last.errno = true, w.Errno
	n.send(wire.EncodeError(id, w), nil)
}

// replySkipped answers a chained call that was not made: an earlier call
// of its batch failed.
func (n *node) replySkipped(id uint32) {
	n.send(wire.EncodeError(id, wire.Error{Kind: wire.ErrKindSkipped}), nil)
}

// lastCall is how a node's last call ended, which decides whether a
// chained call after it is made (the proto-node's protoSkipped).
type lastCall struct {
	failed    bool
	errno     uint32  // its errno if it failed with one, else 0
	tolerated [2]byte // the errnos its batch goes on past (wire.Tolerated)
}

// endedBatch: the call failed, with an errno it did not tolerate or
// with an error that is not an errno.
func (l lastCall) endedBatch() bool {
	return l.failed && wire.BreaksChain(l.errno, l.tolerated)
}

// toWireError flattens an error, keeping its errno, syscall name and path.
func toWireError(err error) wire.Error {
	var (
		errno syscall.Errno
		pe    *os.PathError
		se    *os.SyscallError
		fe    *builtins.FilteredError
	)
	w := wire.Error{Kind: wire.ErrKindBadArg, Op: err.Error()}
	switch {
	case errors.Is(err, builtins.ErrUnsupported):
		w.Kind = wire.ErrKindUnsupported
	case errors.As(err, &fe):
		w = wire.Error{Kind: wire.ErrKindFiltered, Op: "filtered", Path: fe.Call}
	case errors.As(err, &pe) && errors.As(err, &errno):
		w = wire.Error{Errno: uint32(errno), Kind: wire.ErrKindErrno, Op: pe.Op, Path: pe.Path}
	case errors.As(err, &se) && errors.As(err, &errno):
		w = wire.Error{Errno: uint32(errno), Kind: wire.ErrKindErrno, Op: se.Syscall}
	case errors.As(err, &errno): // keep what the message says beyond the errno
		w = wire.Error{Errno: uint32(errno), Kind: wire.ErrKindErrno,
			Op: strings.TrimSuffix(strings.TrimSuffix(err.Error(), errno.Error()), ": ")}
	}
	return w
}

// handleSignals reports caught signals; SIGCHLD reaps children instead.
// It first makes the control socket blocking again (see awaitCalls), then
// counts the bytes it reads: a signal whose handler runs after that is
// seen in the pipe now or at the next look.
func (n *node) handleSignals() {
	if n.await {
		ctlBlocking()
	}
	var b [64]byte
	m, err := unix.Read(n.sigR, b[:])
	if err != nil {
		return
	}
	n.sigSeen += int64(m)
	for _, s := range b[:m] {
		if syscall.Signal(s) == unix.SIGCHLD {
			n.onSigchld()
			continue
		}
		n.event(0, builtins.Record{"signal": builtins.SignalName(int(s))})
	}
}

// reap collects every exited child and reports it to the driver, which
// delivers the event after the child's last output.
func (n *node) reap() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG|unix.WALL, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		n.childExited(pid, ws)
	}
}

// Reaped implements builtins.Node: waitpid reaped pid.
func (n *node) Reaped(pid int, status uint32) { n.childExited(pid, unix.WaitStatus(status)) }

func (n *node) childExited(pid int, ws unix.WaitStatus) {
	if ws.Stopped() { // a ptrace stop (reap asks for no other): the child lives on
		n.event(pid, builtins.Record{"stopsig": builtins.SignalName(int(ws.StopSignal()))})
		return
	}
	if n.wasSpare(pid) {
		return
	}
	c, ok := n.children[pid]
	if !ok && n.lifeline < 0 {
		return // an orphan the root adopted as subreaper: not a process of the tree's
	}
	if ok {
		unix.Close(c.lifeW)
		n.recycleProto(c)
		delete(n.children, pid)
	}
	switch {
	case ws.Exited() && n.opts[builtins.OptExitStatus] != 0:
		n.event(pid, builtins.Record{"exit_status": int64(ws.ExitStatus())})
	case ws.Signaled() && n.opts[builtins.OptTermsig] != 0:
		n.event(pid, builtins.Record{"termsig": builtins.SignalName(int(ws.Signal()))})
	}
}

// event sends an event about a child (pid) or about the node itself (0).
func (n *node) event(pid int, rec builtins.Record) {
	b, _ := wire.EncodeValue(wire.PutHeader(make([]byte, 0, 48), wire.MsgEvent, uint32(pid)), rec)
	n.send(b, nil)
	ring()
}

// ring tells the driver that an event waits in the control socket: its
// poller watches the bell, not the socket, so that replies, which their
// callers read themselves, wake nobody else (see ctlPoller).
func ring() { unix.Write(proto.FdBell, wire.BellRing[:]) }

// Option implements builtins.Node.
func (n *node) Option(opt int) (int64, error) {
	if opt <= 0 || opt >= builtins.NumOpts {
		return 0, &builtins.ArgError{Call: "getopt", N: 1, Name: "option", Msg: "no option number " + itoa(opt)}
	}
	return n.opts[opt], nil
}

// SetOption implements builtins.Node.
func (n *node) SetOption(opt int, v int64) error {
	if opt <= 0 || opt >= builtins.NumOpts {
		return &builtins.ArgError{Call: "setopt", N: 1, Name: "option", Msg: "no option number " + itoa(opt)}
	}
	if v < 0 && opt != builtins.OptFlowControl {
		return &builtins.ArgError{Call: "setopt", N: 2, Name: "value", Msg: "must not be negative"}
	}
	if opt == builtins.OptMaxChild && v < int64(len(n.children)) {
		return &builtins.ArgError{Call: "setopt", N: 2, Name: "value",
			Msg: "below the " + itoa(len(n.children)) + " live children"}
	}
	n.opts[opt] = v
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
