package repl_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"
)

// startSmallSession starts the REPL on an 80x24 terminal, the size the
// tour is written for, with its state (history, lesson progress) in
// stateDir.
func startSmallSession(t *testing.T, stateDir string) *session {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "XDG_STATE_HOME="+stateDir, "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		t.Fatal(err)
	}
	s := &session{t: t, cmd: cmd, tty: tty, done: make(chan struct{})}
	go s.read()
	t.Cleanup(s.kill)
	s.expect("alsh> ")
	return s
}

// TestLessonWrongThenRightThenResume walks lesson 1 as a student would:
// list, start, a wrong attempt (the check fails and offers a hint), the
// hint, a right attempt (the next step shows), Ctrl-C and Ctrl-D, and in
// a new REPL the lesson resumes where it was left, with the processes of
// the steps done made again.
func TestLessonWrongThenRightThenResume(t *testing.T) {
	state := t.TempDir()
	s := startSmallSession(t, state)
	s.enter("learn", "1  processes and pipelines")
	s.expect("14  the seed's sandbox")
	s.enter("learn 1", "step 1/4: your first child")
	s.expect("Task: Fork a child of the root node")
	s.expect("alsh> ")

	s.enter("$c = getpid []", "not yet: getppid: badpid")
	s.expect("hint for a hint")
	s.enter("hint", "hint: $c = fork []")

	s.enter("$c = fork []", "✓ Step 1 done.")
	s.expect("step 2/4: a grandchild")
	s.expect("alsh> ")

	s.send("$g = fork [\x03") // Ctrl-C discards the line, the lesson goes on
	s.enter("step", "step 2/4: a grandchild")
	s.send("\x04")
	s.expect("alsh: ending 1 process")
	if code := s.wait(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	data, err := os.ReadFile(filepath.Join(state, "alsh", "lessons"))
	if err != nil || string(data) != "processes 1\n" {
		t.Fatalf("progress file = %q, %v; want \"processes 1\\n\"", data, err)
	}

	s = startSmallSession(t, state)
	s.enter("learn", "1/4 steps")
	s.enter("learn 1", "Resuming at step 2")
	s.expect("alsh> $c = fork []")
	s.expect("step 2/4: a grandchild")
	s.enter("$g = fork [$c]", "✓ Step 2 done.")
	s.expect("step 3/4: the tree")
	s.enter("stop", "Left lesson 1 at step 3; learn 1 resumes it.")
	s.enter("hint", "hint") // outside a lesson, hint is no command: a constant
}

// TestLessonFailedCallTeaches checks that a call refused by the kernel
// inside a lesson says why, in that call's terms; outside a lesson it
// does not.
func TestLessonFailedCallTeaches(t *testing.T) {
	s := startSmallSession(t, t.TempDir())
	s.enter("kill [] 2147483647 sigterm", "error: kill: esrch")
	if strings.Contains(s.expect("alsh> "), "why:") {
		t.Fatalf("a failed call outside a lesson taught:\n%s", s.screen())
	}
	s.enter("learn 3", "step 1/4: ignoring a signal")
	s.expect("alsh> ")
	s.enter("kill [] 2147483647 sigterm", "error: kill: esrch")
	s.expect("why: no process or process group with that pid exists")
}

// TestErrnoExplainsAName checks errno NAME, and that errno [] N is still
// the call.
func TestErrnoExplainsAName(t *testing.T) {
	s := startSmallSession(t, t.TempDir())
	s.enter("errno eperm", "eperm (1): operation not permitted: the process lacks the privilege")
	s.enter("errno [] 2", `"enoent"`)
	s.enter("errno enope", "error: errno: no errno named enope")
}

// TestLessonSkipAndShow checks show (the solution, not run) and skip
// (run it, and go on).
func TestLessonSkipAndShow(t *testing.T) {
	s := startSmallSession(t, t.TempDir())
	s.enter("learn 2", "step 1/4: a program in place of a node")
	s.enter("show", `solution: $c = fork []`)
	s.enter("skip", "step 2/4: end of input")
	s.enter(`stdin [$c] "hello\n"`, "not yet: expect badpid getpid [$c]: want badpid, got notnode")
	s.enter("$x = 1", "$x = 1")
	// an entry that makes no call reports no check
	if got := s.enter("eof [$c]", "✓ Step 2 done."); strings.Contains(got, "not yet") {
		t.Fatalf("an assignment reported the check:\n%s", got)
	}
}
