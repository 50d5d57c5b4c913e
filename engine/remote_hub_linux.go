package engine

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/node"
	"github.com/alsh/alsh/engine/internal/relay"
)

// The hub hook: relay.HubFlag in argv[1] makes the binary a hub, the
// process that ssh starts on a remote host. Its stdin and stdout are the
// stream; the words after the flag are the wrapper (such as sudo -n) the
// root node runs through.
func init() {
	if len(os.Args) < 2 || os.Args[1] != relay.HubFlag {
		return
	}
	os.Exit(runHub(os.Args[2:]))
}

// runHub starts the root node, relays its tree over stdin and stdout, and
// when the stream ends (or the root exits) kills every process it
// started: the hub is a child subreaper, so what a program left behind
// is its child too.
func runHub(wrapper []string) int {
	signal.Ignore(unix.SIGPIPE)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGHUP, unix.SIGTERM, unix.SIGINT)
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return hubFail(fmt.Errorf("prctl child subreaper: %w", err))
	}
	root, fds, cleanup, err := startHubRoot(wrapper)
	defer cleanup()
	if err != nil {
		hubKillAll()
		return hubFail(err)
	}
	if _, err := os.Stdout.WriteString(relay.HubHello); err != nil {
		hubKillAll()
		return 1
	}
	relay.Widen(1) // if sshd gave a pipe: the hub runs ahead of sshd
	ended := make(chan error, 1)
	m, err := relay.NewHub(polled(0, "stdin"), polled(1, "stdout"), func(err error) { ended <- err })
	if err != nil { // after the hello: the driver sees the stream end
		fmt.Fprintf(os.Stderr, "alsh hub: %v\n", err)
		hubKillAll()
		return 1
	}
	if err := m.AnnounceRoot(fds); err != nil {
		fmt.Fprintf(os.Stderr, "alsh hub: %v\n", err)
		m.Close()
	}
	rootDone := make(chan uint32, 1)
	go hubReap(root, rootDone)
	select {
	case st := <-rootDone:
		m.SendExit(st)
		m.Flush()
	case <-ended:
	case <-sigs:
	}
	hubKillAll()
	m.Close()
	return 0
}

// polled is fd as a file in Go's poller: a read blocked in a syscall
// would hold a P, and the relay's other goroutines then waited for
// sysmon to retake it (up to 10 ms when the process had been idle).
func polled(fd int, name string) *os.File {
	unix.SetNonblock(fd, true)
	return os.NewFile(uintptr(fd), name)
}

func hubFail(err error) int {
	fmt.Fprintf(os.Stdout, "ALSH-ERR %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
	return 1
}

// startHubRoot starts the root node as the driver does (connecting back
// to a socket in a private directory, so a wrapper that closes fds works)
// and returns the hub's ends of its ctl, stdin, stdout and stderr.
func startHubRoot(wrapper []string) (int, []int, func(), error) {
	dir, err := os.MkdirTemp("", "alsh-hub-")
	if err != nil {
		return 0, nil, func() {}, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	path := filepath.Join(dir, "ctl")
	ln, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, nil, cleanup, os.NewSyscallError("socket", err)
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, &unix.SockaddrUnix{Name: path}); err != nil {
		return 0, nil, cleanup, err
	}
	if wrapper != nil {
		os.Chmod(dir, 0o755) // a wrapper may change the user
		os.Chmod(path, 0o777)
	}
	if err := unix.Listen(ln, 1); err != nil {
		return 0, nil, cleanup, err
	}
	exe, err := os.Executable()
	if err != nil {
		return 0, nil, cleanup, err
	}
	argv := append(append([]string(nil), wrapper...), exe, node.Flag, "connect="+path, node.NoSpinWord)
	env := os.Environ()
	if len(wrapper) == 0 {
		argv = append(argv, node.RuntimeArgs()...)
		env = node.ChildEnv()
	}
	var mine, theirs [3]*os.File
	for i := range mine {
		r, w, err := os.Pipe()
		if err != nil {
			return 0, nil, cleanup, err
		}
		if i == 0 {
			mine[i], theirs[i] = w, r
		} else {
			mine[i], theirs[i] = r, w
		}
	}
	bin, err := hubLookPath(argv[0])
	if err != nil {
		return 0, nil, cleanup, err
	}
	p, err := os.StartProcess(bin, argv, &os.ProcAttr{Env: env, Files: theirs[:], Sys: &unix.SysProcAttr{Setsid: true}})
	for _, f := range theirs {
		f.Close()
	}
	if err != nil {
		return 0, nil, cleanup, err
	}
	ctl, err := hubAcceptBy(ln, time.Now().Add(30*time.Second), p.Pid)
	if err != nil {
		return p.Pid, nil, cleanup, err
	}
	fds := []int{ctl}
	for _, f := range mine {
		d, _ := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
		f.Close()
		fds = append(fds, d)
	}
	return p.Pid, fds, cleanup, nil
}

func hubLookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in PATH on this host", name)
}

func hubAcceptBy(ln int, deadline time.Time, pid int) (int, error) {
	for time.Now().Before(deadline) {
		p := []unix.PollFd{{Fd: int32(ln), Events: unix.POLLIN}}
		if n, _ := unix.Poll(p, 20); n > 0 {
			fd, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
			return fd, os.NewSyscallError("accept", err)
		}
		var ws unix.WaitStatus
		if got, _ := unix.Wait4(pid, &ws, unix.WNOHANG, nil); got == pid {
			return -1, fmt.Errorf("the root node exited before connecting (%s)", hubDescribe(ws))
		}
	}
	return -1, errors.New("the root node did not connect within 30s")
}

func hubDescribe(ws unix.WaitStatus) string {
	if ws.Signaled() {
		return "signal " + ws.Signal().String()
	}
	return "exit status " + strconv.Itoa(ws.ExitStatus())
}

// hubReap reaps every child (the hub adopts orphans) and reports the root's
// wait status.
func hubReap(root int, done chan<- uint32) {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			time.Sleep(10 * time.Millisecond) // ECHILD: nothing to reap yet
			continue
		}
		if pid == root {
			done <- uint32(ws)
		}
	}
}

// hubKillAll kills every descendant, over and over until none is left (a
// process forking meanwhile) or for a second at most.
func hubKillAll() {
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		pids := hubDescendants(os.Getpid(), nil)
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			unix.Kill(pid, unix.SIGKILL)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// hubDescendants lists pid's descendants from /proc, zombies excluded.
func hubDescendants(pid int, out []int) []int {
	for _, c := range kernelChildren(pid) {
		if st := threadState(c); st == 0 || st == 'Z' { // gone, or a zombie
			continue
		}
		out = append(hubDescendants(c, out), c)
	}
	return out
}
