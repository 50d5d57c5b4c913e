package repl_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// requireRoot is the engine's testutil.RequirePrivileged, which an
// internal package keeps from this one: a skip without root, a failure
// instead under ALSH_REQUIRE_PRIVILEGED=1.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	missing(t, "needs root, and ALSH_REQUIRE_PRIVILEGED=1", "needs root")
}

func missing(t *testing.T, fail, skip string) {
	t.Helper()
	if os.Getenv("ALSH_REQUIRE_PRIVILEGED") == "1" {
		t.Fatal(fail)
	}
	t.Skip(skip)
}

// jailWithBusybox is a root holding only a static busybox at /busybox.
func jailWithBusybox(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/bin/busybox")
	if err != nil {
		missing(t, "no /bin/busybox: install busybox-static", "no /bin/busybox")
	}
	jail := t.TempDir()
	os.Chmod(jail, 0o755)
	if err := os.WriteFile(filepath.Join(jail, "busybox"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	return jail
}

// attach to a busybox shell on a pty in a chroot: it answers, the escape
// key detaches with the shell alive, output made meanwhile is replayed on
// the next attach, a window size change reaches it, and its exit ends the
// attach and shows the exit event.
func TestAttachToShellInJail(t *testing.T) {
	requireRoot(t)
	jail := jailWithBusybox(t)
	s := startSession(t)
	s.enter("$c = fork []", "alsh> ")
	// pty first: the test binary, which a node boots from, may be linked
	// dynamically, and then cannot start in the jail (the engine's tests
	// make the pty after the chroot)
	s.enter(`pty [$c] 10 40`, "ok")
	s.enter(`chroot [$c] "`+jail+`"`, "ok")
	s.enter(`chdir [$c] "/"`, "ok")
	s.enter(`execvp [$c] "/busybox" ["sh" "-i"]`, "ok")
	pid := regexp.MustCompile(`attached to \[(\d+)\]`).FindStringSubmatch(s.enter("attach [$c]", "Ctrl-] detaches"))[1]
	s.expect("# ")
	s.send("echo pid=$$\r")
	s.expect("pid=" + pid)
	s.send("/busybox stty size\r")
	s.expect("40 200") // attach gave it the size of alsh's terminal
	s.send("/busybox sleep 1; echo later-$((6*7))\r")
	s.send("\x1d")
	s.expect("detached from [" + pid + "]")
	s.enter("kill [] $c 0", "ok") // alive
	s.expect("stdout: later-42")  // printed while detached…
	s.enter("attach [$c]", "attached to")
	s.expect("later-42") // …and replayed on attaching
	if err := pty.Setsize(s.tty, &pty.Winsize{Rows: 33, Cols: 111}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // SIGWINCH reaches alsh, which resizes the shell's pty
	s.send("/busybox stty size\r")
	s.expect("33 111")
	// Ctrl-C and Ctrl-Z go to the program on the pty, not to alsh: the
	// shell's foreground sleep dies of sigint (status 130), the next one
	// stops (sigtstp) and the shell's job control reports it, then
	// dies of sigint in the foreground again
	s.send("/busybox sleep 30\r")
	time.Sleep(300 * time.Millisecond)
	s.send("\x03")
	s.send("echo status=$?\r")
	s.expect("status=130")
	s.send("/busybox sleep 31\r")
	time.Sleep(300 * time.Millisecond)
	s.send("\x1a")
	s.expect("Stopped")
	s.send("fg\r") // back in the foreground, then interrupted
	time.Sleep(300 * time.Millisecond)
	s.send("\x03")
	s.send("echo again=$?\r")
	s.expect("again=130")
	s.send("exit 7\r")
	s.expect("event: {exit_status: 7}")
	s.enter("print 1+1", "2") // the REPL is back, reading lines
	s.send("\x04")
	if code := s.wait(); code != 0 {
		t.Fatalf("alsh exited %d", code)
	}
}

// attach to a program on plain pipes two levels down, and the errors of
// a bad target.
func TestAttachPipesAndErrors(t *testing.T) {
	requireRoot(t)
	s := startSession(t)
	s.enter("$a = fork []", "alsh")
	s.enter("$c = fork [$a]", "alsh")
	s.enter("attach [$a $c]", "is a node, not a program")
	s.enter("attach [999999]", "not a live process")
	s.enter("attach $nope", "not defined")
	s.enter("attach 123]", "is not a pipeline")
	s.enter(`execvp [$a $c] "/bin/cat" ["cat"]`, "ok")
	s.enter(":escape ^a", "escape Ctrl-A")
	s.enter("$d = fork []", "alsh")
	s.enter(`execvp [$d] "/bin/sleep" ["sleep" "1"]`, "ok")
	s.enter("attach [$a $c]", "(pipes: stdin, stdout and stderr); Ctrl-A detaches")
	s.send("through cat\r")
	s.expect("through cat")
	time.Sleep(1500 * time.Millisecond) // sleep exits meanwhile: its event waits
	if strings.Contains(s.screen(), "event:") {
		t.Fatalf("an event was printed while attached:\n%s", s.screen())
	}
	s.send("\x01")
	s.expect("detached from")
	s.expect("event: {exit_status: 0}")
	s.enter("kill [$a] $c 0", "ok")
	s.send("\x04")
	s.wait()
}
