package repl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/alsh/alsh/engine"
	"github.com/alsh/alsh/repl"
)

// childEnv makes the test binary run the REPL on its terminal instead of
// the tests (TestMain).
const childEnv = "ALSH_REPL_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

// runChild is the REPL as cmd/alsh runs it: a real engine, the process's
// own terminal. It prints the pids of the tree on exit, for the tests to
// check that none survives.
func runChild() int {
	ctx := context.Background()
	e, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "alsh:", err)
		return 1
	}
	defer e.Close()
	status := repl.Run(ctx, repl.Config{Host: pidReporter{e}, Stdin: os.Stdin,
		Stdout: os.Stdout, Stderr: os.Stderr})
	return status
}

// pidReporter prints the tree's pids just before closing it.
type pidReporter struct{ *engine.Engine }

func (p pidReporter) Close() error {
	var pids []string
	for _, pr := range p.Processes() {
		pids = append(pids, fmt.Sprint(pr.Pid))
	}
	fmt.Fprintf(os.Stderr, "PIDS: %s\n", strings.Join(pids, " "))
	return p.Engine.Close()
}

// session is a REPL running in a child process on a pseudo-terminal.
type session struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	mark int // expect looks at output from here on
	done chan struct{}
}

// startSession starts the REPL with a history of its own, which no
// other test sees.
func startSession(t *testing.T) *session {
	t.Helper()
	return startSessionIn(t, t.TempDir())
}

// startSessionIn starts the REPL with its state (history) in stateDir.
func startSessionIn(t *testing.T, stateDir string) *session {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "XDG_STATE_HOME="+stateDir, "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	s := &session{t: t, cmd: cmd, tty: tty, done: make(chan struct{})}
	go s.read()
	t.Cleanup(s.kill)
	s.expect("alsh> ")
	return s
}

func (s *session) read() {
	defer close(s.done)
	buf := make([]byte, 4096)
	for {
		n, err := s.tty.Read(buf)
		s.mu.Lock()
		s.out.Write(buf[:n])
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (s *session) kill() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.tty.Close()
}

// enter types line and Return, then waits for want as expect does.
func (s *session) enter(line, want string) string {
	s.t.Helper()
	s.send(line + "\r")
	return s.expect(want)
}

// send types text on the terminal.
func (s *session) send(text string) {
	s.t.Helper()
	if _, err := s.tty.WriteString(text); err != nil {
		s.t.Fatal(err)
	}
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\r`)

// screen is the output since the mark, without escape sequences.
func (s *session) screen() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.ReplaceAllString(s.out.String()[s.mark:], "")
}

// expect waits until the output since the mark holds want, and moves the
// mark past it.
func (s *session) expect(want string) string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		raw := s.out.String()[s.mark:]
		s.mu.Unlock()
		clean := ansi.ReplaceAllString(raw, "")
		if i := strings.Index(clean, want); i >= 0 {
			s.advance(raw, clean[:i+len(want)])
			return clean[:i+len(want)]
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatalf("no %q in output:\n%s", want, s.screen())
	return ""
}

// advance moves the mark past the raw bytes that clean came from.
func (s *session) advance(raw, clean string) {
	n, j := 0, 0
	for n < len(raw) && j < len(clean) {
		if loc := ansi.FindStringIndex(raw[n:]); loc != nil && loc[0] == 0 {
			n += loc[1]
			continue
		}
		n++
		j++
	}
	s.mu.Lock()
	s.mark += n
	s.mu.Unlock()
}

// wait waits for the REPL to exit and returns its exit code.
func (s *session) wait() int {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.t.Fatalf("the REPL did not exit:\n%s", s.screen())
	}
	err := s.cmd.Wait()
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return ee.ExitCode()
	}
	if err != nil {
		s.t.Fatalf("waiting for the REPL: %v", err)
	}
	return 0
}
