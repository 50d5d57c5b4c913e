package repl_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestTyping(t *testing.T) {
	s := startSession(t, t.TempDir())
	s.send("1 + 2\r")
	s.expect("\n3\n")
	s.send("$c = fork []\r")
	s.expect("\nalsh> ")
	s.send("getpid [$c]\r")
	s.expect("\nalsh [")
	s.expect("]> ")
	s.send("\x04")
	if code := s.wait(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

func TestCompletionTab(t *testing.T) {
	s := startSession(t, t.TempDir())
	s.send("$c = fork []\r")
	s.expect("alsh> ")
	s.send("setrlimit [$c] rlimit_nof\t")
	s.expect("rlimit_nofile ")
	s.send("{cur: 7, max: 7}\r")
	s.expect("\nok\n")
	s.send("getrlimit [$c] rlimit_nofile\r")
	s.expect("{cur: 7, max: 7}")
}

func TestContinuation(t *testing.T) {
	s := startSession(t, t.TempDir())
	s.send("proc add $a $b {\r")
	s.expect("...> ")
	s.send("return $a + $b\r")
	s.expect("...> ")
	s.send("}\r")
	s.expect("alsh> ")
	s.send("add 40 2\r")
	s.expect("\n42\n")
	s.send("print [1\r")
	s.expect("...> ")
	s.send("2]\r")
	s.expect("\n[1 2]\n")
}

func TestCtrlCDiscardsLine(t *testing.T) {
	s := startSession(t, t.TempDir())
	s.send("print \"never\x03")
	s.expect("alsh> ")
	s.send("print [1\r")
	s.expect("...> ")
	s.send("\x03")
	s.expect("alsh> ")
	s.send("print \"after\"\r")
	s.expect("\nafter\n")
	if strings.Contains(s.screen(), "never") {
		t.Errorf("the discarded line ran")
	}
}

func TestCtrlCDuringWait(t *testing.T) {
	s := startSession(t, t.TempDir())
	for _, wait := range []string{"sleep 100000", "$c = fork []\rexecvp [$c] \"/bin/cat\" [\"cat\"]\rstdout [$c] 100000"} {
		s.send(wait + "\r")
		time.Sleep(300 * time.Millisecond)
		s.send("\x03")
		s.expect("interrupted")
		s.send("print \"alive\"\r")
		s.expect("\nalive\n")
	}
}

func TestAsyncOutputWhileTyping(t *testing.T) {
	s := startSession(t, t.TempDir())
	s.send("$c = fork []\r")
	s.expect("alsh> ")
	s.send(`execvp [$c] "/bin/sh" ["sh" "-c" 'read x; echo got $x; sleep 1; echo late line']` + "\r")
	s.expect("\nok\n")
	s.send("stdin [$c] \"hi\\n\"\r")
	s.expect("stdout: got hi\n")
	s.send("print \"half")
	s.expect("stdout: late line\n")
	s.expect(`event: {exit_status: 0}`)
	// the half-typed line is drawn again below the output, and still works
	s.expect(`print "half`)
	s.send("\"\r")
	s.expect("\nhalf\n")
}

func TestAsyncOff(t *testing.T) {
	s := startSession(t, t.TempDir())
	s.send(":async off\r")
	s.expect("async off")
	s.send("$c = fork []\r")
	s.expect("alsh> ")
	s.send(`execvp [$c] "/bin/echo" ["echo" "queued"]` + "\r")
	s.expect("\nok\n")
	time.Sleep(200 * time.Millisecond)
	s.send("stdout [$c]\r")
	s.expect(`"queued\n"`)
	if strings.Contains(s.screen(), "stdout: queued") {
		t.Error("output printed with async off")
	}
}

func TestStdoutCallWithAsyncOn(t *testing.T) {
	s := startSession(t, t.TempDir())
	s.send("$c = fork []\r")
	s.expect("alsh> ")
	s.send(`execvp [$c] "/bin/cat" ["cat"]` + "\r")
	s.expect("\nok\n")
	s.send(`stdin [$c] "one\n"; stdout [$c] 2000` + "\r")
	s.expect(`"one\n"`)
	s.send(`stdin [$c] "two\n"` + "\r")
	s.expect("stdout: two\n")
}

func TestHistoryAcrossRuns(t *testing.T) {
	state := t.TempDir()
	s := startSession(t, state)
	s.send("print \"first\"\r")
	s.expect("\nfirst\n")
	s.send("proc twice $x {\r")
	s.expect("...> ")
	s.send("return $x * 2\r")
	s.send("}\r")
	s.expect("alsh> ")
	s.send("\x04")
	s.wait()
	data, err := os.ReadFile(filepath.Join(state, "alsh", "history"))
	if err != nil {
		t.Fatal(err)
	}
	want := "print \"first\"\nproc twice $x {\n\treturn $x * 2\n\t}\n"
	if string(data) != want {
		t.Errorf("history file:\n%q\nwant\n%q", data, want)
	}
	s = startSession(t, state)
	s.send("\x1b[A\r") // up: the multi-line entry, whole
	s.expect("alsh> ")
	s.send("twice 21\r")
	s.expect("\n42\n")
	s.send("\x1b[A\x1b[A\x1b[A\r")
	s.expect("\nfirst\n")
}

func TestExitEndsProcesses(t *testing.T) {
	s := startSession(t, t.TempDir())
	s.send("$a = fork []\r")
	s.expect("alsh> ")
	s.send("$b = fork [$a]\r")
	s.expect("alsh> ")
	s.send("$c = fork []\r")
	s.expect("alsh> ")
	s.send(`execvp [$c] "/bin/sleep" ["sleep" "1000"]` + "\r")
	s.expect("\nok\n")
	s.send("\x04")
	s.expect("alsh: ending 3 processes")
	out := s.expect("PIDS: ")
	_ = out
	line := s.expect("\n")
	if code := s.wait(); code != 0 {
		t.Errorf("exit code %d", code)
	}
	pids := strings.Fields(line)
	if len(pids) != 4 {
		t.Fatalf("pids %q, want 4", pids)
	}
	for _, p := range pids {
		pid, _ := strconv.Atoi(p)
		if alive(pid) {
			t.Errorf("process %d survived the REPL", pid)
		}
	}
}

func TestExitStatement(t *testing.T) {
	s := startSession(t, t.TempDir())
	s.send("$a = fork []\r")
	s.expect("alsh> ")
	s.send("exit 3\r")
	s.expect("alsh: ending 1 process\n")
	if code := s.wait(); code != 3 {
		t.Errorf("exit code %d, want 3", code)
	}
}

// alive says whether a pid names a process that is not a zombie.
func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z" && syscall.Kill(pid, 0) == nil
}

// Output and events of other processes that come while a stdout call
// waits are printed when the entry ends, even for a process that exited.
func TestOutputDuringTakeIsPrintedAfter(t *testing.T) {
	s := startSession(t, t.TempDir())
	s.send("$a = fork []\r")
	s.expect("alsh> ")
	s.send("$b = fork []\r")
	s.expect("alsh> ")
	s.send(`execvp [$b] "/bin/sh" ["sh" "-c" 'sleep 0.3; echo from b']` + "\r")
	s.expect("\nok\n")
	s.send("stdout [$a] 1000\r")
	s.expect("stdout: from b\n")
	s.expect("event: {exit_status: 0}")
}
