package repl_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestTyping(t *testing.T) {
	s := startSession(t)
	s.enter("1 + 2", "\n3\n")
	s.enter("$c = fork []", "\nalsh> ")
	s.enter("getpid [$c]", "\nalsh [")
	s.expect("]> ")
	s.send("\x04")
	if code := s.wait(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

func TestCompletionTab(t *testing.T) {
	s := startSession(t)
	s.enter("$c = fork []", "alsh> ")
	s.send("setrlimit [$c] rlimit_nof\t")
	s.expect("rlimit_nofile ")
	s.enter("{cur: 7, max: 7}", "\nok\n")
	s.enter("getrlimit [$c] rlimit_nofile", "{cur: 7, max: 7}")
}

func TestContinuation(t *testing.T) {
	s := startSession(t)
	s.enter("proc add $a $b {", "...> ")
	s.enter("return $a + $b", "...> ")
	s.enter("}", "alsh> ")
	s.enter("add 40 2", "\n42\n")
	s.enter("print [1", "...> ")
	s.enter("2]", "\n[1 2]\n")
}

func TestCtrlCDiscardsLine(t *testing.T) {
	s := startSession(t)
	s.send("print \"never\x03")
	s.expect("alsh> ")
	s.enter("print [1", "...> ")
	s.send("\x03")
	s.expect("alsh> ")
	s.enter(`print "after"`, "\nafter\n")
	if strings.Contains(s.screen(), "never") {
		t.Errorf("the discarded line ran")
	}
}

func TestCtrlCDuringWait(t *testing.T) {
	s := startSession(t)
	for _, wait := range []string{"sleep 100000", "$c = fork []\rexecvp [$c] \"/bin/cat\" [\"cat\"]\rstdout [$c] 100000"} {
		s.send(wait + "\r")
		time.Sleep(300 * time.Millisecond)
		s.send("\x03")
		s.expect("interrupted")
		s.enter(`print "alive"`, "\nalive\n")
	}
}

// A stdin call that waits for room (the program reads nothing and the
// queue is full) ends at Ctrl-C, long before its 30 s timeout, and the
// REPL goes on.
func TestCtrlCDuringStdinWait(t *testing.T) {
	s := startSession(t)
	s.enter("$c = fork []", "alsh> ")
	s.enter(`execvp [$c] "/bin/sleep" ["sleep" "100000"]`, "\nok\n")
	s.enter(`$mb = "x"`, "alsh")
	s.enter(`for $i in (range 20) { $mb = $mb + $mb }`, "alsh")
	s.enter("$n = 0", "alsh")
	s.send("while true { stdin [$c] $mb; $n = $n + 1 }\r")
	time.Sleep(2 * time.Second) // the queue's 64 MiB fill: stdin waits
	s.send("\x03")
	s.expect("interrupted")
	sent := s.enter(`print "sent" $n "MiB"`, " MiB\n") // waited: not thousands, no error
	if !regexp.MustCompile(`\nsent (6[0-9]|7[0-9]) MiB`).MatchString(sent) {
		t.Fatalf("stdin did not wait once the queue held 64 MiB:\n%s", sent)
	}
	s.enter(`print "alive"`, "\nalive\n")
}

func TestAsyncOutputWhileTyping(t *testing.T) {
	s := startSession(t)
	s.enter("$c = fork []", "alsh> ")
	s.enter(`execvp [$c] "/bin/sh" ["sh" "-c" 'read x; echo got $x; sleep 1; echo late line']`, "\nok\n")
	s.enter(`stdin [$c] "hi\n"`, "stdout: got hi\n")
	s.send("print \"half")
	s.expect("stdout: late line\n")
	s.expect(`event: {exit_status: 0}`)
	// the half-typed line is drawn again below the output, and still works
	s.expect(`print "half`)
	s.enter(`"`, "\nhalf\n")
}

func TestAsyncOff(t *testing.T) {
	s := startSession(t)
	s.enter(":async off", "async off")
	s.enter("$c = fork []", "alsh> ")
	s.enter(`execvp [$c] "/bin/echo" ["echo" "queued"]`, "\nok\n")
	time.Sleep(200 * time.Millisecond)
	s.enter("stdout [$c]", `"queued\n"`)
	if strings.Contains(s.screen(), "stdout: queued") {
		t.Error("output printed with async off")
	}
}

func TestStdoutCallWithAsyncOn(t *testing.T) {
	s := startSession(t)
	s.enter("$c = fork []", "alsh> ")
	s.enter(`execvp [$c] "/bin/cat" ["cat"]`, "\nok\n")
	s.enter(`stdin [$c] "one\n"; stdout [$c] 2000`, `"one\n"`)
	s.enter(`stdin [$c] "two\n"`, "stdout: two\n")
}

func TestHistoryAcrossRuns(t *testing.T) {
	state := t.TempDir()
	s := startSessionIn(t, state)
	s.enter(`print "first"`, "\nfirst\n")
	s.enter("proc twice $x {", "...> ")
	s.send("return $x * 2\r")
	s.enter("}", "alsh> ")
	s.send("\x04")
	if code := s.wait(); code != 0 {
		t.Errorf("exit code %d", code)
	}
	data, err := os.ReadFile(filepath.Join(state, "alsh", "history"))
	if err != nil {
		t.Fatal(err)
	}
	want := "print \"first\"\nproc twice $x {\n\treturn $x * 2\n\t}\n"
	if string(data) != want {
		t.Errorf("history file:\n%q\nwant\n%q", data, want)
	}
	s = startSessionIn(t, state)
	s.enter("\x1b[A", "alsh> ") // up: the multi-line entry, whole
	s.enter("twice 21", "\n42\n")
	s.enter("\x1b[A\x1b[A\x1b[A", "\nfirst\n")
}

func TestExitEndsProcesses(t *testing.T) {
	s := startSession(t)
	s.enter("$a = fork []", "alsh> ")
	s.enter("$b = fork [$a]", "alsh> ")
	s.enter("$c = fork []", "alsh> ")
	s.enter(`execvp [$c] "/bin/sleep" ["sleep" "1000"]`, "\nok\n")
	s.send("\x04")
	s.expect("alsh: ending 3 processes")
	s.expect("PIDS: ")
	line := s.expect("\n")
	if code := s.wait(); code != 0 {
		t.Errorf("exit code %d", code)
	}
	pids := strings.Fields(line)
	if len(pids) != 4 {
		t.Fatalf("pids %q, want 4", pids)
	}
	for _, p := range pids {
		pid, err := strconv.Atoi(p)
		if err != nil {
			t.Fatalf("pids %q: %v", pids, err)
		}
		if alive(pid) {
			t.Errorf("process %d survived the REPL", pid)
		}
	}
}

func TestExitStatement(t *testing.T) {
	s := startSession(t)
	s.enter("$a = fork []", "alsh> ")
	s.enter("exit 3", "alsh: ending 1 process\n")
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
	s := startSession(t)
	s.enter("$a = fork []", "alsh> ")
	s.enter("$b = fork []", "alsh> ")
	s.enter(`execvp [$b] "/bin/sh" ["sh" "-c" 'sleep 0.3; echo from b']`, "\nok\n")
	s.enter("stdout [$a] 1000", "stdout: from b\n")
	s.expect("event: {exit_status: 0}")
}

// TestCheckBeforeRunning checks that an entry the check refuses runs
// nothing: the getpid before the undefined variable would have changed
// the prompt to the child's pipeline.
func TestCheckBeforeRunning(t *testing.T) {
	s := startSession(t)
	s.enter("$c = fork []", "alsh> ")
	s.enter("getpid [$c]; print $nope", "^\nerror: undefined variable $nope\nalsh> ")
	s.enter("print getpid [$c]", "error: argument 1 of print is getpid")
	s.enter("1 | 2", "\n3\n")
}
