//go:build unix

package repl

import (
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/chzyer/readline"
)

// attachTerm is alsh's controlling terminal opened anew (/dev/tty), non-
// blocking: a file description of its own, so that its reads can be
// stopped at detach without leaving one pending on the REPL's stdin, whose
// next keys belong to the line editor again.
type attachTerm struct {
	f *os.File
}

func openAttachTerminal() (*attachTerm, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, errors.New("alsh has no controlling terminal to attach (" + err.Error() + ")")
	}
	if !readline.IsTerminal(int(f.Fd())) {
		f.Close()
		return nil, errors.New("/dev/tty is not a terminal")
	}
	return &attachTerm{f: f}, nil
}

func (t *attachTerm) close() { t.f.Close() }

func (t *attachTerm) size() (rows, cols int, err error) {
	cols, rows, err = readline.GetSize(int(t.f.Fd()))
	return rows, cols, err
}

// raw puts the terminal in raw mode (no echo, no line editing, Ctrl-C
// and Ctrl-Z are bytes, not signals) and returns what restores it.
func (t *attachTerm) raw() (func(), error) {
	fd := int(t.f.Fd())
	st, err := readline.MakeRaw(fd)
	if err != nil {
		return nil, err
	}
	return func() { readline.Restore(fd, st) }, nil
}

// keys reads the terminal until stopped; stop returns once the reader
// is gone (no read left pending).
func (t *attachTerm) keys() (<-chan []byte, func()) {
	ch := make(chan []byte)
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch)
		buf := make([]byte, 4096)
		for {
			n, err := t.f.Read(buf)
			if n > 0 {
				select {
				case ch <- append([]byte(nil), buf[:n]...):
				case <-quit:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return ch, func() {
		close(quit)
		t.f.SetReadDeadline(time.Now())
		<-done
	}
}

// windowChanges delivers SIGWINCH while attached.
func windowChanges() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	return ch, func() { signal.Stop(ch) }
}
