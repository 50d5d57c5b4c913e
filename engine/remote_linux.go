package engine

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/relay"
)

// ErrHostLost matches every error of a call to a host whose connection
// is gone (errors.Is).
var ErrHostLost = errors.New("connection to the host lost")

// HostLostError is what calls to a host return once its connection is
// gone: the host and why.
type HostLostError struct {
	Host   string
	Reason string
}

func (e *HostLostError) Error() string {
	return fmt.Sprintf("host %s: connection lost: %s", e.Host, e.Reason)
}

func (e *HostLostError) Is(target error) bool { return target == ErrHostLost }

// remote is what an engine whose root runs on another host through ssh
// keeps of the connection.
type remote struct {
	host    string
	mux     *relay.Mux
	stdout  *os.File // ssh's stdout, which the mux reads
	stderr  tail     // what ssh (and the remote side) printed, the end of it
	closing chan struct{}
	mu      sync.Mutex
	lost    *HostLostError
}

// tail keeps the last bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > 4096 {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-4096:]...)
	}
	t.mu.Unlock()
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

// selfBinary is this program's binary: what a remote host runs unless
// Options.RemoteBinary names another.
var selfBinary = sync.OnceValues(func() (binaryInfo, error) {
	exe, err := os.Executable()
	if err != nil {
		return binaryInfo{}, err
	}
	b, err := hashBinary(exe)
	b.arches = unameNames(runtime.GOARCH)
	return b, err
})

type binaryInfo struct {
	path   string
	sum    string
	size   int64
	arches string // the uname -m names of the machines it runs on
	given  bool   // named by Options.RemoteBinary
}

func hashBinary(path string) (binaryInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return binaryInfo{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return binaryInfo{}, err
	}
	return binaryInfo{path: path, sum: hex.EncodeToString(h.Sum(nil)), size: n}, nil
}

// binaryToSend is the binary the host gets: Options.RemoteBinary once
// checked (remote_binary_linux.go), else this program's own.
func (e *Engine) binaryToSend() (binaryInfo, error) {
	if e.opts.RemoteBinary != "" {
		b, err := givenBinary(e.opts.RemoteBinary)
		if err != nil {
			return b, fmt.Errorf("host %s: %w", e.opts.Host, err)
		}
		return b, nil
	}
	b, err := selfBinary()
	if err != nil {
		return b, fmt.Errorf("host %s: reading this program's binary to send it: %w", e.opts.Host, err)
	}
	return b, nil
}

// describe names the binary in an error about it.
func (b binaryInfo) describe() string {
	if b.given {
		return "the binary given (" + b.path + ")"
	}
	return "this alsh"
}

// archAdvice says what to do about a host of another architecture.
func (b binaryInfo) archAdvice() string {
	if b.given {
		return "give a build for the host's"
	}
	return "build one for it (GOARCH) and give it with --remote-binary"
}

// checkDest refuses a destination that ssh would take for an option.
func checkDest(host string) error {
	if host == "" {
		return errors.New("host: an empty destination")
	}
	if strings.HasPrefix(host, "-") {
		return fmt.Errorf("host %q: a destination cannot begin with '-'", host)
	}
	return nil
}

// sshArgv is the command that runs remoteCmd on host: the ssh client, or
// ALSH_SSH_COMMAND (or Options.SSHCommand), which /bin/sh runs as git
// runs GIT_SSH_COMMAND.
func (e *Engine) sshArgv(remoteCmd string) []string {
	cmd := e.opts.SSHCommand
	if cmd == "" {
		cmd = os.Getenv("ALSH_SSH_COMMAND")
	}
	tailArgs := []string{"-T", "--", e.opts.Host, remoteCmd}
	if cmd == "" {
		return append([]string{"ssh"}, tailArgs...)
	}
	return append([]string{"/bin/sh", "-c", cmd + ` "$@"`, "alsh-ssh"}, tailArgs...)
}

func (e *Engine) remoteCommand(b binaryInfo) string {
	words := []string{"exec", "/bin/sh", "-c", shellQuote(bootScript), "alsh-boot",
		shellQuote(b.arches), b.sum, strconv.FormatInt(b.size, 10), relay.HubFlag}
	for _, w := range e.opts.Exec {
		words = append(words, shellQuote(w))
	}
	return strings.Join(words, " ")
}

// startRemoteRoot runs ssh, lets the first stage find or receive the
// binary, and wires the root that the hub announces.
func (e *Engine) startRemoteRoot(ctx context.Context) error {
	host := e.opts.Host
	if err := checkDest(host); err != nil {
		return err
	}
	bin, err := e.binaryToSend()
	if err != nil {
		return err
	}
	r := &remote{host: host, closing: make(chan struct{})}
	argv := e.sshArgv(e.remoteCommand(bin))
	cmd := exec.Command(argv[0], argv[1:]...)
	// Pipes of our own, not StdoutPipe: Wait would close its read end
	// when ssh exits, before the last frames are read.
	inR, stdin, err := os.Pipe()
	if err != nil {
		return err
	}
	stdout, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		stdin.Close()
		return err
	}
	relay.Widen(int(outW.Fd())) // ssh runs ahead of the relay's reader
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, &r.stderr
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true}
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		stdin.Close()
		stdout.Close()
		return fmt.Errorf("host %s: starting %s: %w", host, argv[0], err)
	}
	e.rootProc, e.remote, r.stdout = startedRoot(cmd), r, stdout
	go e.waitRoot()
	src := relay.Reader(stdout)
	in := bufio.NewReaderSize(src, 256<<10)
	if err := e.bootstrap(ctx, r, in, stdin, bin); err != nil {
		e.killSSH()
		stdin.Close()
		stdout.Close()
		return err
	}
	mux, err := relay.NewDriver(in, src, stdin, func(err error) { e.remoteEnded(r, err) })
	if err != nil {
		e.killSSH()
		stdin.Close()
		stdout.Close()
		return fmt.Errorf("host %s: %w", host, err)
	}
	r.mux = mux
	fds, err := r.mux.Root(ctx.Done())
	if err != nil {
		return r.failure(e, err)
	}
	e.root = newProc(nil, 0)
	if err := e.attach(e.root, fds, nil); err != nil {
		return err
	}
	return e.waitReady(ctx, e.deadline(ctx), e.root)
}

// bootstrap talks with the first stage until the hub says hello.
func (e *Engine) bootstrap(ctx context.Context, r *remote, in *bufio.Reader, out io.Writer, bin binaryInfo) error {
	done := make(chan error, 1)
	go func() { done <- r.dialog(in, out, bin) }()
	select {
	case err := <-done:
		if err != nil {
			return r.failure(e, err)
		}
		return nil
	case <-ctx.Done():
		e.killSSH()
		<-done
		return r.failure(e, fmt.Errorf("connecting: %w", ctx.Err()))
	}
}

func (r *remote) dialog(in *bufio.Reader, out io.Writer, bin binaryInfo) error {
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return errors.New("ssh ended before the remote side started")
		}
		word, rest, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		switch word {
		case strings.TrimSpace(relay.HubHello[:8]):
			return nil
		case "ALSH-SEND":
			if err := sendFile(out, bin); err != nil {
				return fmt.Errorf("sending the binary: %w", err)
			}
		case "ALSH-ARCH":
			return fmt.Errorf("the host is %s (uname -m) and %s is built for %s: %s", rest, bin.describe(), bin.arches, bin.archAdvice())
		case "ALSH-OS":
			return fmt.Errorf("the host runs %s; alsh runs on Linux", rest)
		case "ALSH-ERR":
			return errors.New(rest)
		}
	}
}

func sendFile(out io.Writer, bin binaryInfo) error {
	f, err := os.Open(bin.path)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(out, f)
	if err == nil && n != bin.size {
		err = fmt.Errorf("the binary changed size (%d bytes, %d hashed)", n, bin.size)
	}
	return err
}

// failure names the host and adds what ssh printed, waiting a moment for
// ssh to end so that its message is whole.
func (r *remote) failure(e *Engine, err error) error {
	select {
	case <-e.rootDone:
	case <-r.closing:
	}
	if said := r.stderr.String(); said != "" {
		return fmt.Errorf("host %s: %w; ssh said: %s", r.host, err, said)
	}
	if e.rootErr != nil && isClosed(e.rootDone) {
		return fmt.Errorf("host %s: %w (%s: %v)", r.host, err, e.rootProc.path, e.rootErr)
	}
	return fmt.Errorf("host %s: %w", r.host, err)
}

// remoteEnded runs once when the stream ends: ssh is made to end too,
// and unless the engine is closing, the host is marked lost.
func (e *Engine) remoteEnded(r *remote, err error) {
	if !errors.Is(err, relay.ErrClosed) {
		e.killSSH()
	}
	r.stdout.Close()
}

// killSSH kills the ssh client and the shell of ALSH_SSH_COMMAND around
// it: ssh runs in a session of its own.
func (e *Engine) killSSH() {
	if e.rootProc != nil {
		unix.Kill(-e.rootProc.pid, unix.SIGKILL)
	}
}

// endRecord is the event that reports the end of the remote root: its
// wait status, if the hub sent it, or the loss of the connection.
func (r *remote) endRecord(e *Engine, ws unix.WaitStatus) builtins.Record {
	if r.mux != nil {
		<-r.mux.Done() // ssh has ended: its stdout ends too
		if st, ok := r.mux.Exit(); ok {
			ws := unix.WaitStatus(st)
			if ws.Signaled() {
				return builtins.Record{"termsig": builtins.SignalName(int(ws.Signal()))}
			}
			return builtins.Record{"exit_status": int64(ws.ExitStatus())}
		}
	}
	reason := "ssh ended"
	if r.mux != nil {
		if err := r.mux.Err(); err != nil && !errors.Is(err, io.EOF) {
			reason = err.Error()
		}
	}
	if ws.Exited() {
		reason += fmt.Sprintf(" (ssh exit status %d)", ws.ExitStatus())
	} else if ws.Signaled() {
		reason += fmt.Sprintf(" (ssh killed by %s)", builtins.SignalName(int(ws.Signal())))
	}
	if said := r.stderr.String(); said != "" {
		reason += ": " + lastLine(said)
	}
	r.mu.Lock()
	r.lost = &HostLostError{Host: r.host, Reason: reason}
	r.mu.Unlock()
	return builtins.Record{"host": r.host, "lost": reason}
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// lostErr is the connection's loss, once known: from the moment the
// stream ended without the root's exit (ssh's own end, which adds its
// words to the event, may come a moment later).
func (r *remote) lostErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lost != nil {
		return r.lost
	}
	if r.mux == nil {
		return nil
	}
	select {
	case <-r.mux.Done():
	default:
		return nil
	}
	if _, exited := r.mux.Exit(); exited {
		return nil
	}
	reason := "the connection closed"
	if err := r.mux.Err(); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, relay.ErrClosed) {
		reason = err.Error()
	}
	return &HostLostError{Host: r.host, Reason: reason}
}

// close ends the stream: the hub then kills what it started and exits.
func (r *remote) close() {
	close(r.closing)
	if r.mux != nil {
		r.mux.Close()
	}
}

// explain turns a failed call to a lost host into the loss, which names
// the host and the reason.
func (r *remote) explain(err error) error {
	if l := r.lostErr(); l != nil {
		return fmt.Errorf("%w (%v)", l, err)
	}
	return err
}

// awaitParked waits for a relayed call's reply without reading the
// socket: the relay rings the bell after every message, and the poller
// reads it and hands the reply over. A caller blocked in recvmsg holds
// its P in a syscall, and the relay's goroutines, which must run for the
// reply to come at all, then waited for sysmon to retake it: 10 ms per
// call after an idle moment.
func (c *ctlConn) awaitParked(ctx context.Context, deadline time.Time, id uint32, ch chan result) result {
	if fd, ok := c.sock.acquire(); ok { // the call, sent: on to the host now (relay.Pump)
		relay.Pump(fd)
		c.sock.done()
	}
	if d, ok := ctx.Deadline(); ok && !deadline.Before(d) {
		select { // ctx's own timer bounds the wait
		case r := <-ch:
			return r
		case <-ctx.Done():
			return c.giveUp(id, ch, ctx.Err())
		}
	}
	w := farWait{end: deadline}
	defer w.stop()
	for {
		tick, timer := w.next()
		select {
		case r := <-ch:
			w.left(tick)
			return r
		case <-ctx.Done():
			w.left(tick)
			return c.giveUp(id, ch, ctx.Err())
		case <-timer:
			return c.giveUp(id, ch, context.DeadlineExceeded)
		case <-tick:
			w.left(tick)
		}
	}
}
