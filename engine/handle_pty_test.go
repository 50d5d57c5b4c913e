package engine

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
)

// readUntil reads r, a byte at a time (leaving the rest to the next
// reader), until what came holds want, failing after 10 s.
func readUntil(t *testing.T, r io.Reader, want string) string {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		var b strings.Builder
		c := make([]byte, 1)
		for !strings.Contains(b.String(), want) {
			if _, err := io.ReadFull(r, c); err != nil {
				break
			}
			b.Write(c)
		}
		got <- b.String()
	}()
	select {
	case s := <-got:
		if !strings.Contains(s, want) {
			t.Fatalf("no %q in the output: %q", want, s)
		}
		return s
	case <-time.After(10 * time.Second):
		t.Fatalf("no %q in the output within 10 s", want)
	}
	return ""
}

// The handle API on a pty: Pty before the exec; the program's Stdin and
// Stdout are then the terminal (a shell prompts, as on a terminal only),
// Terminal is the master as an io.ReadWriter, and its Resize reaches the
// program (stty size), which ends with its exit status through Wait.
func TestHandlePty(t *testing.T) {
	e, ctx := start(t)
	c, err := e.Root().Fork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Pty(ctx, 24, 80); err != nil {
		t.Fatal(err)
	}
	if err := c.Execvp(ctx, "sh", []string{"sh", "-i"}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c.Stdin(), "stty size; tty\n"); err != nil {
		t.Fatal(err)
	}
	readUntil(t, c.Stdout(), "24 80")
	readUntil(t, c.Stdout(), "/dev/pts/")
	term, err := c.Terminal()
	if err != nil {
		t.Fatal(err)
	}
	if err := term.Resize(33, 99); err != nil {
		t.Fatal(err)
	}
	io.WriteString(term, "stty size; exit 4\n")
	readUntil(t, term, "33 99")
	if _, err := io.ReadAll(term); err != nil {
		t.Fatalf("reading the terminal to its end: %v", err)
	}
	st, err := c.Wait(ctx)
	if err != nil || st.ExitCode() != 4 {
		t.Fatalf("Wait: %v, %v; want exit code 4", st, err)
	}
	other, _ := e.Root().Fork(ctx)
	if _, err := other.Terminal(); !errors.Is(err, builtins.ErrBadArg) {
		t.Fatalf("Terminal of a process without a pty: %v", err)
	}
}
