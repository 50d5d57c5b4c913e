package engine

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/node"
	"github.com/alsh/alsh/engine/internal/proto"
	"github.com/alsh/alsh/engine/internal/wire"
)

// EntrySymbol names the engine's ELF entry hook, which unshare of a user
// namespace in place runs before the Go runtime starts. No binary needs
// to be linked with it: the root node patches the entry of the copy of the
// binary that every node executes. Linking with
// go build -ldflags=-E=github.com/alsh/alsh/engine/internal/proto.alshEntry
// gives the binary that entry itself, and changes nothing else.
const EntrySymbol = proto.EntrySymbol

// Options configure Start.
type Options struct {
	// Exec runs the root node through a wrapper, such as
	// []string{"sudo", "-n"}. The root then connects back to a socket in
	// a private directory, so wrappers that close extra fds still work.
	Exec []string
	// CallTimeout bounds a call whose context has no deadline
	// (default 30s). Calls that wait on purpose (stdout with a timeout)
	// are bounded by their own argument instead.
	CallTimeout time.Duration
	// StartTimeout bounds the start of the root node (default 10s; a
	// wrapper such as sudo may take a while).
	StartTimeout time.Duration
	// Host runs the root node on another host through ssh: anything ssh
	// takes as a destination (docs/remote.md). Exec then applies there.
	Host string
	// SSHCommand replaces ssh for Host, run by /bin/sh with the ssh
	// arguments after it (default: $ALSH_SSH_COMMAND, else ssh).
	SSHCommand string
	// RemoteBinary is the alsh binary that Host (and the hosts that
	// ConnectHost reaches) gets, instead of this program's own: a build
	// for the host's architecture (docs/remote.md).
	RemoteBinary string
}

// Engine is a running process tree and the driver that talks to it.
// Its methods are safe for concurrent use.
type Engine struct {
	opts      Options
	mu        sync.Mutex // guards the tree, queues and watch
	root      *proc
	dead      map[string]*proc // recently exited processes, for their output and events
	deadOrder []*proc          // the same, oldest first
	watch     func(builtins.Message)
	rootProc  *rootProcess
	rootState *proto.State  // a root proto-node's (startProtoRoot): it runs on it
	rootDone  chan struct{} // closed when the root process exited
	rootErr   error         // how it ended (rootProcess.wait)
	nextID    atomic.Uint32
	closed    bool
	wg        sync.WaitGroup // reader goroutines
	poller    *ctlPoller     // reads the control sockets
	remote    *remote        // the connection, for a root on another host
	hosts     *hostSet       // the remote roots host started, if any (mu)
}

// Start starts the root node and waits until it is ready for calls.
func Start(ctx context.Context, opts Options) (*Engine, error) {
	if opts.CallTimeout == 0 {
		opts.CallTimeout = 30 * time.Second
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 10 * time.Second
	}
	poller, err := newCtlPoller()
	if err != nil {
		return nil, err
	}
	e := &Engine{opts: opts, dead: map[string]*proc{}, rootDone: make(chan struct{}), poller: poller}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	start := e.startRoot
	if opts.Host != "" {
		start = e.startRemoteRoot
	}
	if err := start(ctx); err != nil {
		e.Close()
		return nil, fmt.Errorf("starting the root node: %w", err)
	}
	return e, nil
}

func (e *Engine) startRoot(ctx context.Context) error {
	if len(e.opts.Exec) == 0 && proto.Supported && os.Getenv("ALSH_EXEC_ROOT") == "" {
		if started, err := e.startProtoRoot(ctx); started {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "alsh-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ctl")
	ln, err := listenSeqpacket(path)
	if err != nil {
		return err
	}
	defer unix.Close(ln)
	stdio, err := e.launchRoot(path)
	if err != nil {
		return err
	}
	ctl, err := e.acceptRoot(ctx, ln)
	if err != nil {
		printed := readWhatIsThere(stdio[2], 64<<10, 200*time.Millisecond)
		closeInts(stdio[:])
		return e.rootFailed(err, printed)
	}
	e.root = newProc(nil, e.rootProc.pid)
	if err := e.attach(e.root, append([]int{ctl}, stdio[:]...), nil); err != nil {
		return err
	}
	return e.waitReady(ctx, e.deadline(ctx), e.root)
}

// startProtoRoot starts the root as a proto-node of the driver's
// (node.RootEnv): no Go runtime starts until the root needs one. It needs
// the binary's read-only image (the driver may mount); started is false when
// it cannot start the root this way and nothing was started: the root is
// then executed. ALSH_EXEC_ROOT=1 asks for that too.
func (e *Engine) startProtoRoot(ctx context.Context) (started bool, err error) {
	exe, err := os.Executable()
	if err != nil {
		return false, nil
	}
	img, tree, err := node.OpenImage()
	if err != nil {
		return false, nil
	}
	defer unix.Close(img)
	dissolved := closeInBackground(tree)
	defer func() { <-dissolved }() // before any call: no node runs before the mount is in no namespace
	pl, err := newRootPlumbing()
	if err != nil {
		return true, err
	}
	pid, ps, err := forkRootProto(img, pl)
	if err != nil {
		return true, err
	}
	e.rootState = ps
	e.rootProc, err = clonedRoot(exe, pid)
	if err != nil {
		unix.Kill(pid, unix.SIGKILL)
		unix.Wait4(pid, nil, 0, nil)
		closeInts(append(pl.parent[:], pl.bell))
		return true, err
	}
	go e.waitRoot()
	e.root = newProc(nil, pid)
	if err := e.attach(e.root, append(pl.parent[:], pl.bell), nil); err != nil {
		return true, err
	}
	return true, e.waitReady(ctx, e.deadline(ctx), e.root)
}

// closeInBackground closes fd on a goroutine of its own, and says when
// it is closed. The last close of the image's mount clone waits for the
// kernel's RCU grace period, which the root's start overlaps. (The root
// closes its own copy at its start; whichever close comes last dissolves
// the mount.)
func closeInBackground(fd int) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		unix.Close(fd)
		close(done)
	}()
	return done
}

// forkRootProto forks the root proto-node with the image at FdExe and the
// child's ends of pl, which it closes. The driver keeps the state it runs
// on as long as the root lives.
func forkRootProto(img int, pl *rootPlumbing) (int, *proto.State, error) {
	ps := new(proto.State)
	env := node.RootEnv()
	// The root proto-node's child, and that child's first child (alsh
	// box's pid 1 and its program), run in the memory the root runs in,
	// the driver's, each on a state of its own (SetSpare); that child's
	// later forks copy it: an embedding program with a large heap would
	// pay for its page tables at each, which the root's node (its own
	// small memory, shared with its children) does not.
	env.NoForks = residentBytes() > rootForkMaxRSS
	ps.Load(env, node.SpinWorthIt())
	if !env.NoForks { // its child, and that child's first, share the driver's memory too
		ps.SetSpare(new(proto.State), env, node.SpinWorthIt()).SetSpare(new(proto.State), env, node.SpinWorthIt())
	}
	syscall.ForkLock.Lock()
	pid, errno := ps.Fork(proto.SpawnArgs{
		Fds:     [proto.NSpawnFds]int{pl.child[1], pl.child[2], pl.child[3], pl.child[0], -1, img, pl.bell},
		ErrPipe: -1, SyncR: -1, SyncW: -1, Uid: -1, Gid: -1, Root: true,
	})
	syscall.ForkLock.Unlock()
	closeInts(pl.child[:])
	if errno != 0 {
		closeInts(append(pl.parent[:], pl.bell))
		return 0, nil, os.NewSyscallError("clone3", errno)
	}
	return pid, ps, nil
}

// rootForkMaxRSS: above this resident size of the driver, the root
// proto-node boots at its first fork rather than copy the driver's
// memory (startProtoRoot).
const rootForkMaxRSS = 64 << 20

// residentBytes is this process's resident memory, from /proc/self/statm.
func residentBytes() int64 {
	f := strings.Fields(string(readProcFile("/proc/self/statm", make([]byte, 128))))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// rootPlumbing is a root proto-node's fds: for the driver (parent) and
// the root (child), the control socket, stdin, stdout and stderr, in
// that order (the driver's stdin end writes, its stdout and stderr ends
// read), and the bell both hold.
type rootPlumbing struct {
	parent, child [4]int
	bell          int
}

func newRootPlumbing() (*rootPlumbing, error) {
	pl := &rootPlumbing{}
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socketpair", err)
	}
	pl.parent[0], pl.child[0] = sp[0], sp[1]
	unix.SetsockoptInt(sp[0], unix.SOL_SOCKET, unix.SO_PASSCRED, 1) // the root's host pid, as any node's
	for i := 1; i < 4; i++ {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			closeInts(pl.parent[:i])
			closeInts(pl.child[:i])
			return nil, os.NewSyscallError("pipe2", err)
		}
		if i == 1 { // stdin: the root reads
			pl.parent[i], pl.child[i] = p[1], p[0]
		} else {
			pl.parent[i], pl.child[i] = p[0], p[1]
		}
	}
	bell, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		closeInts(pl.parent[:])
		closeInts(pl.child[:])
		return nil, os.NewSyscallError("eventfd", err)
	}
	pl.bell = bell
	return pl, nil
}

func listenSeqpacket(path string) (int, error) {
	ln, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := unix.Bind(ln, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(ln)
		return -1, &os.PathError{Op: "bind", Path: path, Err: err}
	}
	if err := unix.Listen(ln, 1); err != nil {
		unix.Close(ln)
		return -1, os.NewSyscallError("listen", err)
	}
	return ln, nil
}

// launchRoot runs the root node (through the wrapper, if any) in a new
// session, so a terminal's Ctrl-C reaches alsh and not the tree. It
// returns the driver's ends of the root's stdin, stdout and stderr.
func (e *Engine) launchRoot(path string) ([3]int, error) {
	exe, err := os.Executable()
	if err != nil {
		return [3]int{}, err
	}
	argv := append(append([]string(nil), e.opts.Exec...), exe, node.Flag, "connect="+path)
	var mine, theirs [3]*os.File
	for i := range mine {
		r, w, err := os.Pipe()
		if err != nil {
			return [3]int{}, err
		}
		if i == 0 {
			mine[i], theirs[i] = w, r
		} else {
			mine[i], theirs[i] = r, w
		}
	}
	if len(e.opts.Exec) == 0 { // a wrapper such as sudo makes its own environment
		argv = append(argv, node.RuntimeArgs()...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	if len(e.opts.Exec) == 0 {
		cmd.Env = node.ChildEnv()
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = theirs[0], theirs[1], theirs[2]
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true}
	err = cmd.Start()
	for _, f := range theirs {
		f.Close()
	}
	fds := [3]int{}
	for i, f := range mine {
		fds[i], _ = unix.Dup(int(f.Fd()))
		unix.CloseOnExec(fds[i])
		f.Close()
	}
	if err != nil {
		closeInts(fds[:])
		return [3]int{}, err
	}
	e.rootProc = startedRoot(cmd)
	go e.waitRoot()
	return fds, nil
}

// acceptRoot waits for the root to connect, or for it to fail first.
func (e *Engine) acceptRoot(ctx context.Context, ln int) (int, error) {
	for {
		p := []unix.PollFd{{Fd: int32(ln), Events: unix.POLLIN}}
		if n, _ := unix.Poll(p, 20); n > 0 {
			fd, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
			if err == nil { // to receive the credentials the root sends with ready
				unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1)
			}
			return fd, os.NewSyscallError("accept", err)
		}
		select {
		case <-e.rootDone:
			return -1, fmt.Errorf("%s exited before connecting: %v", e.rootProc.path, e.rootErr)
		case <-ctx.Done():
			return -1, fmt.Errorf("waiting for %s: %w", e.rootProc.path, ctx.Err())
		default:
		}
	}
}

// rootFailed says why the root never connected, with what it (or its
// wrapper) printed on stderr: sudo's "a password is required" is the
// reason a user needs to see. A wrapper that ended first is
// wrapper_failed.
func (e *Engine) rootFailed(err error, printed []byte) error {
	if len(e.opts.Exec) > 0 && isClosed(e.rootDone) {
		err = fmt.Errorf("%w: %w", builtins.ErrWrapperFailed, err)
	}
	if msg := strings.TrimSpace(string(printed)); msg != "" {
		return fmt.Errorf("%w; it printed: %s", err, msg)
	}
	return err
}

// readWhatIsThere reads up to max bytes from fd until end-of-file, or
// until nothing came for wait.
func readWhatIsThere(fd, max int, wait time.Duration) []byte {
	var out []byte
	buf := make([]byte, 4096)
	for len(out) < max {
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, _ := unix.Poll(p, int(wait/time.Millisecond)); n <= 0 {
			break
		}
		n, err := unix.Read(fd, buf)
		if n <= 0 || err != nil {
			break
		}
		out = append(out, buf[:n]...)
	}
	return out
}

// attach wires a new process's fds (ctl, stdin, stdout, stderr, bell) to
// the driver and starts its readers; link, if not nil, puts p in the tree.
//
// A program started by spawn comes with 3 fds: it has no control socket.
// The root comes with 4: its bell comes with its ready message.
//
// attach runs in a reader (a fork's reply), so Close may run meanwhile,
// after its look at the tree: then p would be in no list Close goes
// through, and its fds and the conn in the poller outlived Close (seen
// in TestCloseRacingFork). So linking p and starting its readers happen
// under mu with the closed check, and a p too late is closed here.
func (e *Engine) attach(p *proc, fds []int, link func()) error {
	if len(fds) < 3 || len(fds) > 5 {
		closeInts(fds)
		return fmt.Errorf("%w: want 3 to 5 fds with a new process, got %d", wire.ErrMalformed, len(fds))
	}
	if len(fds) > 3 {
		var err error
		if p.ctl, err = newCtlConn(fds[0]); err != nil {
			closeInts(fds[1:])
			return err
		}
		p.ctl.parked = e.remote != nil
		if len(fds) == 5 {
			p.ctl.setBell(fds[4])
		}
		fds = fds[1:4]
	}
	var err error
	if p.stdin, err = newStdinQueue(fds[0], "stdin"+p.String()); err != nil {
		closeInts(fds[1:])
		p.closeStdio() // the ctl, if any
		return err
	}
	if p.out, err = newStream(fds[1], "stdout"+p.String(), func(b string) { e.emit(p, "stdout", b) }); err != nil {
		unix.Close(fds[2])
		p.closeStdio()
		return err
	}
	if p.err, err = newStream(fds[2], "stderr"+p.String(), func(b string) { e.emit(p, "stderr", b) }); err != nil {
		p.closeStdio()
		return err
	}
	e.setupFlow(p)
	if p.ctl != nil {
		p.ctl.handle = func(m ctlMsg) { e.dispatch(p, m) }
		if err := e.poller.add(p.ctl); err != nil {
			p.closeStdio() // not only the ctl: stdin and the streams too
			return err
		}
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		p.closeStdio()
		return fmt.Errorf("%w: the engine closed", builtins.ErrExited)
	}
	if link != nil {
		link()
	}
	e.wg.Add(2) // under mu: never after Close's Wait began
	p.out.release, p.err.release = e.wg.Done, e.wg.Done
	e.mu.Unlock()
	for _, s := range []*stream{p.out, p.err} {
		if e.feedFromRelay(s) {
			continue
		}
		if err := e.poller.addStream(s); err != nil {
			s.wake() // the poller stopped (Close runs): read it at once
		}
	}
	return nil
}

// waitReady waits for a new node's ready message, reading its socket
// itself (nobody else would: a ready message rings no bell), or waiting
// for whoever reads it to let go.
func (e *Engine) waitReady(ctx context.Context, deadline time.Time, p *proc) error {
	var t *time.Timer
	for {
		done := func() bool { return isClosed(p.ctl.ready) || ctx.Err() != nil }
		p.ctl.readUntil(deadline, done, waitReply)
		if isClosed(p.ctl.ready) {
			return nil
		}
		if t == nil {
			t = time.NewTimer(time.Until(deadline))
			defer t.Stop()
		}
		select {
		case <-p.ctl.ready:
			return nil
		case <-p.ctl.done:
			return fmt.Errorf("node %s ended before it was ready", p)
		case <-ctx.Done():
			p.ctl.readyIsLate()
			return fmt.Errorf("waiting for node %s: %w", p, ctx.Err())
		case <-t.C:
			p.ctl.readyIsLate()
			return fmt.Errorf("waiting for node %s: %w", p, context.DeadlineExceeded)
		case <-p.ctl.tok: // let go of: read for ourselves
			p.ctl.readHeld(deadline, done, waitReply)
		}
	}
}

// emit queues a message for p, or hands it to the watcher.
func (e *Engine) emit(p *proc, kind string, data any) {
	m := builtins.Message{Pipeline: p.pipeline, Kind: kind, Data: data}
	e.mu.Lock()
	defer e.mu.Unlock()
	if p.sink != nil {
		p.sink.put(m)
		return
	}
	if e.watch != nil {
		e.watch(m)
		return
	}
	p.queue = append(p.queue, m)
	close(p.changed)
	p.changed = make(chan struct{})
}

// Watch delivers every later stdout, stderr and event message to fn as it
// arrives, instead of queueing it for the stdout, stderr and event calls.
// fn runs on the driver's reader goroutines, one message at a time and in
// order for each process; it must not block or call the Engine. A nil fn
// returns to queueing.
func (e *Engine) Watch(fn func(builtins.Message)) {
	e.mu.Lock()
	e.watch = fn
	e.mu.Unlock()
	e.watchHosts(fn)
}

// Processes lists the live processes, the root first.
func (e *Engine) Processes() []builtins.ProcInfo {
	e.mu.Lock()
	var procs []*proc
	if e.root != nil && !e.root.exited {
		procs = e.root.subtree(nil)
	}
	e.mu.Unlock()
	out := make([]builtins.ProcInfo, len(procs))
	for i, p := range procs {
		out[i] = p.info()
	}
	return e.hostProcesses(out)
}

var _ io.Closer = (*Engine)(nil)

// waitRoot reaps the root process (the driver's only child) and reports
// its end as the event of pipeline [].
func (e *Engine) waitRoot() {
	ws, err := e.rootProc.wait()
	e.rootErr = err
	close(e.rootDone)
	e.mu.Lock()
	root, closed := e.root, e.closed
	e.mu.Unlock()
	if root == nil || closed {
		return
	}
	rec := rootExitRecord(ws)
	if e.remote != nil { // the ssh client's end: the root's, or the connection's loss
		rec = e.remote.endRecord(e, unix.WaitStatus(ws))
	}
	e.childExited(root, rec)
}

// rootExitRecord is the root's exit event.
func rootExitRecord(ws syscall.WaitStatus) builtins.Record {
	var rec builtins.Record
	switch {
	case ws.Exited():
		rec = builtins.Record{"exit_status": int64(ws.ExitStatus())}
	case ws.Signaled():
		rec = builtins.Record{"termsig": builtins.SignalName(int(ws.Signal()))}
	}
	return rec
}

// Close ends every process of the tree and waits until they are gone.
// Closing the control sockets ends every node; each sends signaloneof to
// the programs it exec'd. The root, the tree's subreaper, then kills what
// still lives below it after a grace period and exits once it has reaped
// the last: Close returns after that. Should the root not end in time,
// the driver kills what it knows of the tree and the root's session.
func (e *Engine) Close() error {
	return e.close(true)
}

// close is Close; without wait (End, which killed the tree), it does not
// wait for the tree's processes to finish their exits.
func (e *Engine) close(wait bool) error {
	e.closeHosts()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	procs := e.allProcs()
	var live []int // pidfds of the processes to wait for, opened while their sockets hold them
	if wait {
		live = openPidfds(procs)
		defer closeInts(live)
	}
	e.mu.Unlock()
	for _, p := range procs {
		if p.ctl != nil {
			p.ctl.close()
		}
	}
	if e.remote != nil {
		e.remote.close()
	}
	if wait {
		e.stopRoot()
		if !waitGone(live, 3*time.Second) {
			for _, fd := range live {
				unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
			}
			waitGone(live, 2*time.Second)
		}
	}
	e.sweepGroup()
	for _, p := range procs {
		p.closeStdio()
	}
	e.wg.Wait()
	e.poller.stop()
	return nil
}

// sweepGroup kills what is left in the tree's process group (the session
// the root was started in): programs that ignored signaloneof and orphans
// the driver never knew. Only without a wrapper: the group is then ours.
func (e *Engine) sweepGroup() {
	if e.rootProc != nil && len(e.opts.Exec) == 0 {
		unix.Kill(-e.rootProc.pid, unix.SIGKILL)
	}
}

// rootGrace bounds the wait for the root at Close: the root's own grace
// for its subtree (a second) and the killing and reaping after it.
const rootGrace = 5 * time.Second

func (e *Engine) stopRoot() {
	if e.rootProc == nil {
		return
	}
	select {
	case <-e.rootDone:
	case <-time.After(rootGrace):
		e.rootProc.kill()
		<-e.rootDone
	}
}

// allProcs lists every process the driver holds fds of (mu held).
func (e *Engine) allProcs() []*proc {
	var out []*proc
	if e.root != nil {
		out = e.root.subtree(out)
	}
	for _, p := range e.dead {
		if p != e.root {
			out = p.subtree(out)
		}
	}
	return out
}

// subtree appends p and its live descendants, children in pid order
// (mu held).
func (p *proc) subtree(out []*proc) []*proc {
	out = append(out, p)
	for _, pid := range slices.Sorted(maps.Keys(p.children)) {
		out = p.children[pid].subtree(out)
	}
	return out
}

func (p *proc) closeStdio() {
	if p.stdin != nil {
		p.stdin.close()
	}
	if p.out != nil {
		p.out.close()
	}
	if p.err != nil {
		p.err.close()
	}
	if p.ctl != nil {
		p.ctl.close()
	}
}

// openPidfds opens a pidfd of each live process of procs (mu held). A
// process is not reaped while its control socket is open here (its
// parent reaps it once it is gone), so each pid is still its process's:
// the pidfds then hold on to those processes, which Close may kill
// without killing a process that took a pid since.
func openPidfds(procs []*proc) []int {
	var fds []int
	for _, p := range procs {
		if p.exited || p.hostPid <= 0 {
			continue
		}
		if fd, err := unix.PidfdOpen(p.hostPid, 0); err == nil {
			unix.CloseOnExec(fd)
			fds = append(fds, fd)
		}
	}
	return fds
}

// waitGone waits until none of the processes of pidfds runs (zombies
// count as gone): a pidfd becomes readable when its process ends.
func waitGone(pidfds []int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for _, fd := range pidfds {
		left := time.Until(deadline)
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, _ := unix.Poll(p, int(max(left, 0)/time.Millisecond)); n <= 0 {
			return false
		}
	}
	return true
}
