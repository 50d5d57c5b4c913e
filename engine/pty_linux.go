package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// openPty gives the node at pl a new pseudo-terminal. The driver opens
// it, in its own mount namespace, so the node may be in a root without
// /dev/pts and under any uid; it passes the slave side with the call and
// keeps the master, which becomes the process's stdin and stdout.
func (e *Engine) openPty(ctx context.Context, pl []int, c *builtins.Call, args []any) error {
	e.mu.Lock()
	p, err := e.resolve(pl)
	e.mu.Unlock()
	if err != nil {
		return err
	}
	master, slave, err := newPty(uint16(args[0].(int64)), uint16(args[1].(int64)))
	if err != nil {
		return err
	}
	_, err = e.nodeCallWith(ctx, e.deadline(ctx), pl, c, args, &fdPassing{send: []int{slave}})
	unix.Close(slave)
	if err != nil {
		unix.Close(master)
		return err
	}
	return e.usePty(p, master)
}

// newPty opens a pseudo-terminal pair, both close-on-exec and neither
// able to become the driver's controlling terminal (O_NOCTTY).
func newPty(rows, cols uint16) (master, slave int, err error) {
	master, err = unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, -1, &os.PathError{Op: "open", Path: "/dev/ptmx", Err: err}
	}
	fail := func(op string, err error) (int, int, error) {
		unix.Close(master)
		return -1, -1, os.NewSyscallError(op, err)
	}
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		return fail("ioctl TIOCSPTLCK", err)
	}
	if err := unix.IoctlSetWinsize(master, unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		return fail("ioctl TIOCSWINSZ", err)
	}
	s, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(master), unix.TIOCGPTPEER,
		unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC)
	if errno != 0 {
		return fail("ioctl TIOCGPTPEER", errno)
	}
	return master, int(s), nil
}

// usePty makes the master p's stdin and stdout. The node closed its ends
// of the old pipes (the terminal is its stdio now): the old stdout stream
// ends at their end of file, without a stdout_closed notice, and the
// old stdin queue is closed. The terminal's output, stderr's included,
// comes as stdout.
func (e *Engine) usePty(p *proc, master int) error {
	in, err := unix.FcntlInt(uintptr(master), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		unix.Close(master)
		return os.NewSyscallError("fcntl F_DUPFD_CLOEXEC", err)
	}
	stdin, _ := newStdinQueue(in, "pty"+p.String())
	out, err := newStream(master, "pty"+p.String(), func(b string) { e.emit(p, "stdout", b) })
	if err != nil {
		unix.Close(in)
		return err
	}
	e.mu.Lock()
	old := p.out
	e.mu.Unlock()
	old.mu.Lock() // not under e.mu: a stream calls onEOF, which takes e.mu, with its mu held
	old.onEOF = nil
	old.mu.Unlock()
	e.mu.Lock()
	if e.closed || p.exited {
		e.mu.Unlock()
		unix.Close(in)
		out.close()
		return fmt.Errorf("pty %s: %w", p, builtins.ErrExited)
	}
	oldIn := p.stdin
	sink := p.sink // a handle's: the old pipe's end may have ended its stdout already
	if sink != nil {
		sink.reopen(0)
	}
	out.gate, out.onEOF = p.flow, func() {
		e.closedNotice(p, builtins.OptStdoutClosed, "stdout_closed")
		if sink != nil {
			sink.setEOF(0)
		}
	}
	p.out, p.stdin, p.pty = out, stdin, true
	e.wg.Add(1)
	out.release = e.wg.Done
	e.mu.Unlock()
	oldIn.close()
	if err := e.poller.addStream(out); err != nil {
		out.wake()
	}
	return nil
}

// resizePty sets the window size of p's terminal; the kernel sends
// SIGWINCH to the terminal's foreground process group.
func (e *Engine) resizePty(p *proc, args []any) error {
	e.mu.Lock()
	out, isPty := p.out, p.pty
	e.mu.Unlock()
	if !isPty {
		return fmt.Errorf("pty_resize %s: %w: the process has no terminal (call pty before its exec)", p, builtins.ErrBadArg)
	}
	ws := &unix.Winsize{Row: uint16(args[0].(int64)), Col: uint16(args[1].(int64))}
	var err error
	if !out.onFd(func(fd int) { err = unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, ws) }) {
		return fmt.Errorf("pty_resize %s: %w", p, builtins.ErrExited)
	}
	return os.NewSyscallError("ioctl TIOCSWINSZ", err)
}

// onFd runs f on the stream's fd, dormant or read; false once the
// stream is closed.
func (s *stream) onFd(f func(fd int)) bool {
	s.mu.Lock()
	if s.f == nil {
		defer s.mu.Unlock()
		if s.ended || s.fd < 0 {
			return false
		}
		f(s.fd)
		return true
	}
	s.mu.Unlock()
	ran := false
	s.rc.Control(func(fd uintptr) { f(int(fd)); ran = true })
	return ran
}

// Terminal is the master side of a process's pseudo-terminal (after a
// pty call) as an io.ReadWriter: Write queues bytes for the program, as
// the stdin call does, and Read takes what the terminal printed, as the
// stdout call does, waiting for some. Read gives io.EOF once the process
// exited and all its output was taken. Other readers of the process's
// stdout (stdout calls, Watch) take from the same queue.
type Terminal struct {
	e      *Engine
	pl     []int
	rest   string
	handle *Process // a handle's process: its Stdin and Stdout instead of the calls
}

// Terminal returns the terminal of the process at pl, which must have
// made a pty call.
func (e *Engine) Terminal(pl []int) (*Terminal, error) {
	e.mu.Lock()
	p, err := e.resolveAny(pl)
	isPty := err == nil && p.pty
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if !isPty {
		return nil, fmt.Errorf("%w: %s has no terminal (call pty before its exec)", builtins.ErrBadArg, formatPipeline(pl))
	}
	return &Terminal{e: e, pl: slices.Clone(pl)}, nil
}

// Terminal returns the terminal of the process, which must have made a
// Pty call: Read takes its Stdout, Write goes to its Stdin, Resize sets
// the window size.
func (p *Process) Terminal() (*Terminal, error) {
	t, err := p.e.Terminal(p.pl)
	if err != nil {
		return nil, &CallError{Call: "terminal", Pipeline: p.Pipeline(), Err: err}
	}
	t.handle = p
	return t, nil
}

func (t *Terminal) Read(b []byte) (int, error) {
	if t.handle != nil {
		return t.handle.Stdout().Read(b)
	}
	for t.rest == "" {
		v, err := t.e.Call(context.Background(), t.pl, "stdout", []any{int64(1000)})
		if errors.Is(err, builtins.ErrBadPid) {
			return 0, io.EOF
		}
		if err != nil {
			return 0, err
		}
		if t.rest = v.(string); t.rest == "" && t.exited() {
			return 0, io.EOF
		}
	}
	n := copy(b, t.rest)
	t.rest = t.rest[n:]
	return n, nil
}

func (t *Terminal) Write(b []byte) (int, error) {
	if t.handle != nil {
		return t.handle.Stdin().Write(b)
	}
	if _, err := t.e.Call(context.Background(), t.pl, "stdin", []any{string(b)}); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Resize sets the terminal's window size (the program gets SIGWINCH).
func (t *Terminal) Resize(rows, cols int) error {
	_, err := t.e.Call(context.Background(), t.pl, "pty_resize", []any{int64(rows), int64(cols)})
	return err
}

func (t *Terminal) exited() bool {
	t.e.mu.Lock()
	defer t.e.mu.Unlock()
	p, err := t.e.resolveAny(t.pl)
	return err != nil || p.exited
}
