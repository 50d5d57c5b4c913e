package node

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
	"github.com/alsh/alsh/engine/internal/wire"
)

// Flag in argv[1] makes the binary a node instead of running main.
const Flag = "-alsh-node"

// The node hook: a binary that imports engine (which imports this package)
// becomes a node, before main,
// when started with Flag. The main goroutine is locked to the main
// thread so that every syscall that changes the process happens there, and
// so that PR_SET_PDEATHSIG of the children follows this thread.
func init() {
	if len(os.Args) < 2 || (os.Args[1] != Flag && os.Args[1] != reexecFlag) {
		return
	}
	runtime.LockOSThread()
	os.Exit(runNode(os.Args[2:]))
}

// theNode is the node's state: a variable of the binary's, where an
// allocation of its size would have had a span of its own, whose pages
// a node's heap is mostly made of (docs/engine.md, a node's memory).
var theNode node

// node is the state of one event-loop process.
type node struct {
	lifeline   int // read end of the lifeline pipe; -1 for the root
	procfd     int // the root's /proc, for endSubtree; -1 elsewhere
	sigR       int // self-pipe that caught signals write their numbers to
	epfd       int // the loop's epoll instance
	probe      int // a second epoll instance, for childExeced
	depth      int
	opts       [builtins.NumOpts]int64
	children   map[int]*child
	execLimits map[int]unix.Rlimit // limits for its programs (execlimits_linux.go)
	spare      *spare              // option prefork: a child booted ahead of a fork
	plumbing   plumbing            // the fds of the next proto-node, made ahead (refillSpare)
	freeProtos []*proto.State      // states of reaped proto-node children, for reuse
	protoEnv   *proto.Env          // shared by proto-node children; nil after a change
	spareFlags int64               // clone flags of the last fork without maps; -1 before any
	callID     uint32              // the call being served (an in-place re-execution answers it)
	spin       bool                // spin for the next call before sleeping (spinWorthIt)
	noSpin     bool                // never: its tree is a remote host's (NoSpinWord)
	await      bool                // else, or after a crowded call, wait for it in recvmsg (awaitCalls, startAwait)
	crowded    bool                // the last call had wire.FlagCrowded: no spin after it
	last       lastCall            // how the last call ended, for a batch's next (wire.FlagChained)
	callWait   time.Duration       // that wait's bound
	sigSeen    int64               // bytes read from the signal pipe (see proto.SignalsWritten)
	discarded  map[int]bool        // spares let go of, reaped without an event
	buf        []byte
	out        []byte       // the last reply's encoding, reused (reply)
	rh         wire.RecvHdr // readCtlRaw's
	oob        []byte       // readCtlRaw's control data: fds that come with a call
	callFds    []int        // the fds that came with the call being served
	afterReply []int        // fds to close once the call's reply is sent (closeAfterReply)
	filter     callFilter   // calls denied here and to later children
	sigs       sigState     // signal actions sigaction changed
	// exeOpen: FdExe is still the root's plain fd of its binary, to be
	// copied into the sealed memfd before the first child (ensureExe):
	// the root could not open it through a read-only mount (readOnlyImage).
	exeOpen bool
}

// child is what a node keeps of a child node: the lifeline's write end,
// whose closing tells the child its parent is gone.
type child struct {
	lifeW  int   // -1 for a program started by spawn
	sig    int64 // signaloneof set by setcpid, if sigSet
	sigSet bool
	proto  *proto.State // a proto-node's state, which it may still use in place
}

// retiredProtos keeps the state of proto-nodes let go before they were
// reaped (the node is ending or exec'ing).
var retiredProtos []*proto.State

func DefaultOpts() [builtins.NumOpts]int64 {
	var o [builtins.NumOpts]int64
	o[builtins.OptMaxChild] = 64
	o[builtins.OptMaxForkDepth] = 16
	o[builtins.OptExitStatus] = 1
	o[builtins.OptTermsig] = 1
	o[builtins.OptSignalOnEOF] = int64(unix.SIGTERM)
	o[builtins.OptFlowControl] = -1
	return o
}

// runNode runs a node. Its Go runtime gets two Ps although one goroutine
// does the work: with one, sysmon retook that P each time the node blocked
// in epoll_wait past 20 µs and started a spinning thread to take it,
// which found nothing and slept again, and the node's goroutine often
// went on on that other thread: wake-ups on the CPU the node's children
// run on (perf sched). With an idle P, sysmon leaves a P in a syscall
// alone for 10 ms. fork+execvp+exit: 936–1017 µs with one P, 819–907
// with two (interleaved runs). A child node starts with asynchronous
// preemption off (ChildEnv): with two Ps, its GC's stack scans would
// signal its thread.
func runNode(args []string) int {
	runtime.GOMAXPROCS(2)
	n := &theNode
	*n = node{lifeline: proto.FdLifeline, procfd: -1, children: map[int]*child{}, discarded: map[int]bool{}, spareFlags: -1, opts: DefaultOpts(),
		buf: make([]byte, wire.MaxMsg+1), oob: make([]byte, unix.CmsgSpace(4*maxCallFds))}
	if err := n.boot(args); err != nil {
		fmt.Fprintf(os.Stderr, "alsh node: %v\n", err)
		return 111
	}
	n.loop()
	return 0
}

// bootWords are a node's arguments, key=value words (or a key alone). A
// lookup scans the dozen of them: a map of them took pages of its own in
// every node (docs/engine.md, a node's memory).
type bootWords []string

// get is the value of key's last word ("" for a key alone), and whether
// there is one.
func (w bootWords) get(key string) (string, bool) {
	for i := len(w) - 1; i >= 0; i-- {
		if k, v, _ := strings.Cut(w[i], "="); k == key {
			return v, true
		}
	}
	return "", false
}

// value is key's value, "" if there is none.
func (w bootWords) value(key string) string {
	v, _ := w.get(key)
	return v
}

// boot reads the node's arguments (key=value words) and sets up its fds.
func (n *node) boot(args []string) error {
	kv := bootWords(args)
	if err := n.parseOpts(kv); err != nil {
		return err
	}
	lowerCarried(kv.value("carried"))
	n.adopt(kv.value("adopt")) // the children its proto-node forked
	if path, ok := kv.get("connect"); ok {
		imaged, err := bootRoot(path)
		if err != nil {
			return err
		}
		n.lifeline, n.exeOpen = -1, !imaged
	}
	if root, ok := kv.get("root"); ok && root != "0" { // the root, re-executed in place or booted; "0": a child of the root proto-node
		n.lifeline = -1
	}
	for _, fd := range []int{proto.FdCtl, proto.FdLifeline, proto.FdExe, proto.FdBell} {
		if fd != n.lifeline || n.lifeline >= 0 {
			unix.CloseOnExec(fd)
		}
	}
	builtins.ImageFd = proto.FdExe // a Landlock domain keeps it executable
	if n.lifeline < 0 {
		n.becomeSubreaper()
	}
	if s, ok := kv.get("nofile"); ok {
		restoreNofile(s)
	}
	restoreEnv(args)
	if err := n.startSignals(); err != nil {
		return err
	}
	if err := n.openEpoll(); err != nil {
		return err
	}
	_, n.noSpin = kv.get(NoSpinWord)
	n.spin = spinWorthIt() && !n.noSpin
	n.applyInherited(kv)
	n.parseExecLimits(kv.value("execlimits"))
	unblockSignals()
	if id, ok := kv.get("reexec"); ok {
		return n.finishReexec(id, kv)
	}
	if _, ok := kv.get("proto"); ok { // a proto-node said ready
		return nil
	}
	return n.sendReady()
}

func (n *node) parseOpts(kv bootWords) error {
	n.depth, _ = strconv.Atoi(kv.value("depth"))
	if s := kv.value("opts"); s != "" {
		for i, f := range strings.Split(s, ",") {
			v, err := strconv.ParseInt(f, 10, 64)
			if err != nil || i+1 >= builtins.NumOpts {
				return fmt.Errorf("bad opts %q", s)
			}
			n.opts[i+1] = v
		}
	}
	return nil
}

func (n *node) optsArg() string {
	var b strings.Builder
	for i := 1; i < builtins.NumOpts; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(n.opts[i], 10))
	}
	return b.String()
}

// bootRoot connects the root node to the driver's socket, and opens its
// binary at FdExe, which every later fork executes: through a read-only
// bind mount of its own when the root may make one (readOnlyImage), else
// as a plain fd that ensureExe copies into a sealed memfd at the first
// fork (a root that forks nothing, as `alsh -c 'getpid []'`, spares the
// copy of several MB). It reports whether FdExe is the read-only image.
func bootRoot(path string) (imaged bool, err error) {
	// Whatever the driver's own parent left open without close-on-exec
	// (a shell's or a test runner's fds) must not reach the programs.
	unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false, os.NewSyscallError("socket", err)
	}
	if err := retryEINTR(func() error { return unix.Connect(s, &unix.SockaddrUnix{Name: path}) }); err != nil {
		return false, &os.PathError{Op: "connect", Path: path, Err: err}
	}
	if err := moveFd(s, proto.FdCtl); err != nil {
		return false, err
	}
	exe, err := unix.Open("/proc/self/exe", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, &os.PathError{Op: "open", Path: "/proc/self/exe", Err: err}
	}
	if img, err := readOnlyImage(exe); err == nil {
		unix.Close(exe)
		exe, imaged = img, true
		errExeUnhooked = errors.New("the binary's hooked copy is made at the first unshare clone_newuser in place")
	}
	if err := moveFd(exe, proto.FdExe); err != nil {
		return false, err
	}
	bell, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return false, os.NewSyscallError("eventfd", err)
	}
	return imaged, moveFd(bell, proto.FdBell) // to the driver with ready
}

func moveFd(from, to int) error {
	if from == to {
		return nil
	}
	if err := unix.Dup3(from, to, unix.O_CLOEXEC); err != nil {
		return os.NewSyscallError("dup3", err)
	}
	return unix.Close(from)
}

// restoreEnv puts back the variables its parent set for the Go runtime
// (runtimeSettings): unset, or the user's own values.
func restoreEnv(args []string) {
	for _, a := range args {
		for _, name := range proto.RuntimeVars {
			key := strings.ToLower(name)
			if a == key {
				os.Unsetenv(name)
			} else if v, ok := strings.CutPrefix(a, key+"="); ok {
				os.Setenv(name, v)
			}
		}
	}
}

// restoreNofile undoes Go's raise of the soft RLIMIT_NOFILE so that the
// node, and what it execs, see the limit its parent set.
func restoreNofile(s string) {
	cur, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return
	}
	var r syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r) == nil && cur <= r.Max {
		r.Cur = cur
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r)
	}
}

func currentNofile() uint64 {
	var r syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r)
	return r.Cur
}

// NoSpinWord, in a node's argv, tells it and its children not to spin
// for their next call: the hub of a remote host gives it to its root.
// Over ssh a call's round trip is a hundred µs, a node's spin (50 µs)
// never catches the next call, and it held the CPU the hub needed to
// relay the reply (the hub waited 75–85 µs behind it; docs/remote.md).
const NoSpinWord = "nospin"

// caughtSignals are the signals a node reports as events from its start:
// those whose default action would end it, that a user sends on purpose,
// and SIGCHLD. Others keep their default action until sigaction sig_info
// asks for them.
var caughtSignals = []syscall.Signal{unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGUSR1,
	unix.SIGUSR2, unix.SIGPIPE, unix.SIGALRM, unix.SIGTERM, unix.SIGCHLD}

func caughtAtStart(sig int) bool {
	for _, s := range caughtSignals {
		if int(s) == sig {
			return true
		}
	}
	return false
}

// startSignals turns signals into bytes on a self-pipe that the loop polls.
// Caught, not ignored: caught dispositions reset at exec, ignored ones
// would be inherited by the programs the node runs.
func (n *node) startSignals() error {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return os.NewSyscallError("pipe2", err)
	}
	n.sigR = p[0]
	proto.StartSignalPipe(p[1])
	for _, sig := range caughtSignals {
		if err := proto.SetDisposition(sig, proto.DispCatch); err != nil {
			return err
		}
	}
	return nil
}

// unblockSignals lets the handlers take the signals that a proto-node
// left blocked and pending (the main thread takes them: threads the
// runtime starts keep the mask the node started with).
func unblockSignals() {
	var none unix.Sigset_t
	unix.PthreadSigmask(unix.SIG_SETMASK, &none, nil)
}

func (n *node) openEpoll() error {
	var err error
	if n.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	n.probe, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	return os.NewSyscallError("epoll_create1", err)
}

// sendReady tells the driver the node is ready. The root attaches its
// credentials itself (a child's come from SO_PASSCRED, set by its parent),
// and its bell (a child's comes with the fork's reply).
func (n *node) sendReady() error {
	b := wire.PutHeader(nil, wire.MsgReady, 0)
	var oob []byte
	if n.lifeline < 0 {
		oob = unix.UnixCredentials(&unix.Ucred{Pid: int32(unix.Getpid()), Uid: uint32(unix.Getuid()), Gid: uint32(unix.Getgid())})
		oob = append(oob, unix.UnixRights(proto.FdBell)...)
	}
	return sendCtl(b, oob)
}

func (n *node) send(b []byte, fds []int) error {
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	return sendCtl(b, oob)
}

// sendCtl writes one message to the driver. The socket may be
// non-blocking for a while (proto's sigHandler, see awaitCalls): a full one is
// made blocking to wait for room, then non-blocking again, since the
// signal that made it so may not be reported yet.
func sendCtl(b, oob []byte) error {
	// A reply wakes the driver's caller, which may take this CPU during
	// the send: a Syscall let the node's sysmon take its P and wake
	// threads meanwhile (32 callers into 32 nodes on 2 CPUs: sysmon was a
	// tenth of the nodes' CPU time). So a send that has room does not
	// wait, and is a RawSyscall (wire.SendNow).
	if len(oob) == 0 && wire.SendNow(proto.FdCtl, b) == 0 {
		return nil
	}
	waited := false
	defer func() {
		if waited {
			unix.FcntlInt(proto.FdCtl, unix.F_SETFL, unix.O_NONBLOCK)
		}
	}()
	for {
		err := unix.Sendmsg(proto.FdCtl, b, oob, nil, 0)
		switch {
		case errors.Is(err, unix.EAGAIN):
			ctlBlocking()
			waited = true
		case !errors.Is(err, unix.EINTR):
			return err
		}
	}
}

func retryEINTR(f func() error) error {
	for {
		if err := f(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// loop serves calls until the driver or the parent goes away.
//
// It waits with epoll rather than poll(2): poll fails with EINVAL once
// RLIMIT_NOFILE is below the number of fds polled, and a sandboxed node
// runs with nofile 0.
func (n *node) loop() {
	watch := []int{proto.FdCtl, n.sigR}
	if n.lifeline >= 0 {
		watch = append(watch, n.lifeline)
	}
	for _, fd := range watch {
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
		unix.EpollCtl(n.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
	}
	if !n.spin {
		n.startAwait()
	}
	events := make([]unix.EpollEvent, len(watch))
	for n.waitAndServe(events) {
	}
	n.shutdown()
}

// waitAndServe handles one batch of ready fds; false means the node ends.
func (n *node) waitAndServe(events []unix.EpollEvent) bool {
	m, err := unix.EpollWait(n.epfd, events, -1)
	if err != nil {
		return true // EINTR
	}
	for _, ev := range events[:m] {
		switch int(ev.Fd) {
		case n.sigR:
			n.handleSignals()
		case proto.FdCtl:
			if !n.handleCtl() {
				return false
			}
		default: // the lifeline: the parent is gone
			return false
		}
	}
	// The next call often follows, after a call as after an event (a
	// child's exit, then a script's next fork): wait for it rather than be
	// woken for it (events: fork+execvp+exit 962 -> 886 µs, mean of 6
	// interleaved runs). Once per batch, after all of it: the batch's own
	// call is read by handleCtl, not by this wait.
	if !n.spinCtl() {
		return false
	}
	n.refillSpare()
	return true
}

// shutdown ends the subtree: signaloneof to exec'd children (their process
// group first, for shells that do not pass signals on), and closing the
// lifelines of child nodes, which then do the same.
//
// The root also signals its process group: the tree's session, which holds
// what exec'd programs started and left behind (a shell's background job).
// Then, as the tree's subreaper, it ends what is still below it, however
// far it strayed (endSubtree).
func (n *node) shutdown() {
	n.releaseChildren()
	if n.lifeline >= 0 {
		return
	}
	if sig := syscall.Signal(n.opts[builtins.OptSignalOnEOF]); sig > 0 {
		proto.SetDisposition(sig, proto.DispIgnore)
		unix.Kill(0, sig)
		unix.Kill(0, unix.SIGCONT)
	}
	n.endSubtree(subtreeGrace)
}

func (n *node) releaseChildren() {
	n.dropSpare()
	for pid, c := range n.children {
		sig := n.childSignal(c)
		if sig > 0 && n.childExeced(c) {
			if unix.Kill(-pid, sig) != nil {
				unix.Kill(pid, sig)
			}
			unix.Kill(pid, unix.SIGCONT)
		}
		unix.Close(c.lifeW)
		if c.proto != nil { // the child may run on it still: never free it
			retiredProtos = append(retiredProtos, c.proto)
		}
		delete(n.children, pid)
	}
}

// childExeced: a child node holds the lifeline's read end until it exec's
// (the fd is close-on-exec), so a write end with no reader means the child
// runs a program now (or has exited).
// The check uses the node's probe epoll fd, so it needs no new fd (a
// sandboxed node may have RLIMIT_NOFILE 0).
func (n *node) childExeced(c *child) bool {
	if c.lifeW < 0 {
		return true // spawn started it as a program
	}
	ev := unix.EpollEvent{Events: unix.EPOLLOUT, Fd: int32(c.lifeW)}
	if unix.EpollCtl(n.probe, unix.EPOLL_CTL_ADD, c.lifeW, &ev) != nil {
		return false
	}
	defer unix.EpollCtl(n.probe, unix.EPOLL_CTL_DEL, c.lifeW, nil)
	out := make([]unix.EpollEvent, 1)
	m, _ := unix.EpollWait(n.probe, out, 0)
	return m == 1 && out[0].Events&unix.EPOLLERR != 0
}

// BeforeExec implements builtins.Node.
//
// It also arms PR_SET_PDEATHSIG again: the kernel clears it when the
// credentials change (a sandbox's setuid), and it is what ends the program
// if its parent node is killed outright.
//
// The limits kept for programs (applyExecLimits) are applied last; the
// function it returns puts them back if the exec fails.
func (n *node) BeforeExec() (undo func()) {
	n.releaseChildren()
	unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0)
	return n.applyExecLimits()
}
