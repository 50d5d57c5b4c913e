package engine

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// nodeFlag in argv[1] makes the binary a node instead of running main.
const nodeFlag = "-alsh-node"

// The node hook: a binary that imports engine becomes a node, before main,
// when started with nodeFlag. The main goroutine is locked to the main
// thread so that every syscall that changes the process happens there, and
// so that PR_SET_PDEATHSIG of the children follows this thread.
func init() {
	if len(os.Args) < 2 || os.Args[1] != nodeFlag {
		return
	}
	runtime.LockOSThread()
	os.Exit(runNode(os.Args[2:]))
}

// node is the state of one event-loop process.
type node struct {
	lifeline int // read end of the lifeline pipe; -1 for the root
	sigR     int // self-pipe the signal goroutine writes signal numbers to
	depth    int
	opts     [builtins.NumOpts]int64
	children map[int]*child
	buf      []byte
	oob      []byte
}

// child is what a node keeps of a child node: the lifeline's write end,
// whose closing tells the child its parent is gone.
type child struct {
	lifeW int
}

func defaultOpts() [builtins.NumOpts]int64 {
	var o [builtins.NumOpts]int64
	o[builtins.OptMaxChild] = 64
	o[builtins.OptMaxForkDepth] = 16
	o[builtins.OptExitStatus] = 1
	o[builtins.OptTermsig] = 1
	o[builtins.OptSignalOnEOF] = int64(unix.SIGTERM)
	o[builtins.OptFlowControl] = -1
	return o
}

func runNode(args []string) int {
	runtime.GOMAXPROCS(1)
	n := &node{lifeline: fdLifeline, children: map[int]*child{}, opts: defaultOpts(),
		buf: make([]byte, maxMsg+1), oob: make([]byte, unix.CmsgSpace(4*8))}
	if err := n.boot(args); err != nil {
		fmt.Fprintf(os.Stderr, "alsh node: %v\n", err)
		return 111
	}
	n.loop()
	return 0
}

// boot reads the node's arguments (key=value words) and sets up its fds.
func (n *node) boot(args []string) error {
	kv := map[string]string{}
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		kv[k] = v
	}
	if err := n.parseOpts(kv); err != nil {
		return err
	}
	if path, ok := kv["connect"]; ok {
		if err := bootRoot(path); err != nil {
			return err
		}
		n.lifeline = -1
	}
	for _, fd := range []int{fdCtl, fdLifeline, fdExe} {
		if fd != n.lifeline || n.lifeline >= 0 {
			unix.CloseOnExec(fd)
		}
	}
	if s, ok := kv["nofile"]; ok {
		restoreNofile(s)
	}
	if err := n.startSignals(); err != nil {
		return err
	}
	return n.sendReady()
}

func (n *node) parseOpts(kv map[string]string) error {
	n.depth, _ = strconv.Atoi(kv["depth"])
	if s := kv["opts"]; s != "" {
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

// bootRoot connects the root node to the driver's socket, and makes the
// sealed memfd copy of the binary that every later fork executes.
func bootRoot(path string) error {
	// Whatever the driver's own parent left open without close-on-exec
	// (a shell's or a test runner's fds) must not reach the programs.
	unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	if err := retryEINTR(func() error { return unix.Connect(s, &unix.SockaddrUnix{Name: path}) }); err != nil {
		return &os.PathError{Op: "connect", Path: path, Err: err}
	}
	if err := moveFd(s, fdCtl); err != nil {
		return err
	}
	exe, err := sealedCopyOfSelf()
	if err != nil {
		return err
	}
	return moveFd(exe, fdExe)
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

// caughtSignals are the signals a node reports as events. SIGURG is the Go
// runtime's preemption signal; SIGKILL and SIGSTOP cannot be caught.
func caughtSignals() []os.Signal {
	var sigs []os.Signal
	for s := syscall.Signal(1); s < 32; s++ {
		if s != unix.SIGKILL && s != unix.SIGSTOP && s != unix.SIGURG {
			sigs = append(sigs, s)
		}
	}
	return sigs
}

// startSignals turns signals into bytes on a self-pipe that the loop polls.
// signal.Notify, not Ignore: caught dispositions reset at exec, ignored ones
// would be inherited by the programs the node runs.
func (n *node) startSignals() error {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return os.NewSyscallError("pipe2", err)
	}
	n.sigR = p[0]
	ch := make(chan os.Signal, 64)
	signal.Notify(ch, caughtSignals()...)
	go func() {
		for s := range ch {
			unix.Write(p[1], []byte{byte(s.(syscall.Signal))})
		}
	}()
	return nil
}

func (n *node) sendReady() error {
	b := putHeader(nil, msgReady, 0)
	b = append(b, strconv.Itoa(unix.Getpid())...)
	return n.send(b, nil)
}

func (n *node) send(b []byte, fds []int) error {
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	return retryEINTR(func() error { return unix.Sendmsg(fdCtl, b, oob, nil, 0) })
}

func retryEINTR(f func() error) error {
	for {
		if err := f(); !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// loop serves calls until the driver or the parent goes away.
func (n *node) loop() {
	fds := []unix.PollFd{{Fd: fdCtl, Events: unix.POLLIN}, {Fd: int32(n.sigR), Events: unix.POLLIN}}
	if n.lifeline >= 0 {
		fds = append(fds, unix.PollFd{Fd: int32(n.lifeline), Events: unix.POLLIN})
	}
	for {
		if _, err := unix.Poll(fds, -1); err != nil {
			continue // EINTR
		}
		if fds[1].Revents != 0 {
			n.handleSignals()
		}
		if fds[0].Revents != 0 && !n.handleCtl() {
			break
		}
		if len(fds) > 2 && fds[2].Revents != 0 {
			break
		}
	}
	n.shutdown()
}

// shutdown ends the subtree: signaloneof to exec'd children (their process
// group first, for shells that do not pass signals on), and closing the
// lifelines of child nodes, which then do the same.
//
// The root also signals its process group: the tree's session, which holds
// what exec'd programs started and left behind (a shell's background job).
func (n *node) shutdown() {
	n.releaseChildren()
	if sig := syscall.Signal(n.opts[builtins.OptSignalOnEOF]); n.lifeline < 0 && sig > 0 {
		signal.Ignore(sig)
		unix.Kill(0, sig)
		unix.Kill(0, unix.SIGCONT)
	}
}

func (n *node) releaseChildren() {
	sig := syscall.Signal(n.opts[builtins.OptSignalOnEOF])
	for pid, c := range n.children {
		if sig > 0 && childExeced(c) {
			if unix.Kill(-pid, sig) != nil {
				unix.Kill(pid, sig)
			}
			unix.Kill(pid, unix.SIGCONT)
		}
		unix.Close(c.lifeW)
		delete(n.children, pid)
	}
}

// childExeced: a child node holds the lifeline's read end until it exec's
// (the fd is close-on-exec), so a write end with no reader means the child
// runs a program now (or has exited).
func childExeced(c *child) bool {
	p := []unix.PollFd{{Fd: int32(c.lifeW), Events: 0}}
	unix.Poll(p, 0)
	return p[0].Revents&unix.POLLERR != 0
}

// BeforeExec implements builtins.Node.
func (n *node) BeforeExec() { n.releaseChildren() }
