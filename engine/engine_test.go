package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

func TestGetpidRoot(t *testing.T) {
	e, ctx := start(t)
	pid := call(t, e, ctx, nil, "getpid").(int64)
	if int(pid) != e.root.pid {
		t.Fatalf("getpid [] = %d, root is %d", pid, e.root.pid)
	}
}

// A 16-deep pipeline: getpid on the leaf answers the leaf's pid, and the
// call goes straight to the leaf: with every node above it stopped
// (SIGSTOP), the leaf still answers (star transport, one round trip).
func TestPipeline16Deep(t *testing.T) {
	e, ctx := start(t)
	pl := chain(t, e, ctx, 16)
	if got := call(t, e, ctx, pl, "getpid").(int64); int(got) != leaf(pl) {
		t.Fatalf("getpid on the leaf = %d, want %d", got, leaf(pl))
	}
	for _, pid := range append([]int{e.root.pid}, pl[:15]...) {
		unix.Kill(pid, unix.SIGSTOP)
		defer unix.Kill(pid, unix.SIGCONT)
	}
	if got := call(t, e, ctx, pl, "getppid").(int64); int(got) != pl[14] {
		t.Fatalf("getppid on the leaf = %d, want %d", got, pl[14])
	}
}

func TestBadPid(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	_, err := e.Call(ctx, []int{leaf(c) + 100000}, "getpid", nil)
	if !errors.Is(err, builtins.ErrBadPid) {
		t.Fatalf("getpid on a stranger: %v, want badpid", err)
	}
	_, err = e.Call(ctx, []int{e.root.pid}, "getpid", nil)
	if !errors.Is(err, builtins.ErrBadPid) || !strings.Contains(err.Error(), "not a live child of []") {
		t.Fatalf("getpid [root]: %v, want badpid naming the parent", err)
	}
}

// execvp of cat, then stdin in, the same bytes out, then eof and exit.
func TestCatEchoesStdin(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "execvp", "/bin/cat", []any{"cat"})
	data := make([]byte, 3<<20)
	rand.Read(data)
	call(t, e, ctx, c, "stdin", string(data))
	call(t, e, ctx, c, "eof")
	var got []byte
	for len(got) < len(data) {
		out := call(t, e, ctx, c, "stdout", int64(5000)).(string)
		if out == "" {
			t.Fatalf("stdout stalled after %d of %d bytes", len(got), len(data))
		}
		got = append(got, out...)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("cat returned other bytes than it was given")
	}
	if ev := event(t, e, ctx, c); builtins.Format(ev) != "{exit_status: 0}" {
		t.Fatalf("event = %s", builtins.Format(ev))
	}
}

// A program's stdin and stdout pipes grow to pipeSize once more than the
// kernel's default has gone through them (fewer, larger transfers), and only
// then: a program that writes little keeps the default.
func TestPipesWidenOnceBusy(t *testing.T) {
	e, ctx := start(t)
	sizes := func(pl []int) (stdin, stdout int) {
		p := e.proc(t, pl)
		p.stdin.rc.Control(func(fd uintptr) { stdin, _ = unix.FcntlInt(fd, unix.F_GETPIPE_SZ, 0) })
		p.out.withFd(func(fd int) { stdout, _ = unix.FcntlInt(uintptr(fd), unix.F_GETPIPE_SZ, 0) })
		return stdin, stdout
	}
	quiet := fork(t, e, ctx, nil)
	call(t, e, ctx, quiet, "execvp", "/bin/cat", []any{"cat"})
	call(t, e, ctx, quiet, "stdin", "a line\n")
	if out := call(t, e, ctx, quiet, "stdout", int64(5000)); out != "a line\n" {
		t.Fatalf("stdout = %q", out)
	}
	if in, out := sizes(quiet); in != defaultPipe || out != defaultPipe {
		t.Fatalf("pipes of a quiet program: stdin %d, stdout %d; want %d", in, out, defaultPipe)
	}
	busy := fork(t, e, ctx, nil)
	call(t, e, ctx, busy, "execvp", "/bin/cat", []any{"cat"})
	data := strings.Repeat("x", 4*defaultPipe)
	call(t, e, ctx, busy, "stdin", data)
	for got := 0; got < len(data); {
		out := call(t, e, ctx, busy, "stdout", int64(5000)).(string)
		if out == "" {
			t.Fatalf("stdout stalled after %d of %d bytes", got, len(data))
		}
		got += len(out)
	}
	if in, out := sizes(busy); in != pipeSize || out != pipeSize {
		t.Fatalf("pipes after %d bytes: stdin %d, stdout %d; want %d", len(data), in, out, pipeSize)
	}
}

// All of a program's output is delivered before its exit event.
func TestOutputBeforeExitEvent(t *testing.T) {
	e, ctx := start(t)
	for i := 0; i < 5; i++ {
		c := fork(t, e, ctx, nil)
		call(t, e, ctx, c, "execvp", "/bin/sh", []any{"sh", "-c", "head -c 3000000 /dev/zero; echo end >&2; exit 3"})
		if ev := event(t, e, ctx, c); builtins.Format(ev) != "{exit_status: 3}" {
			t.Fatalf("event = %s", builtins.Format(ev))
		}
		out := call(t, e, ctx, c, "stdout").(string)
		errOut := call(t, e, ctx, c, "stderr").(string)
		if len(out) != 3000000 || errOut != "end\n" {
			t.Fatalf("at the exit event: %d bytes of stdout, stderr %q", len(out), errOut)
		}
	}
}

// An orphaned grandchild holding the pipe blocks nothing: the exit event
// arrives, other calls go on, and Close still ends it (it is in the tree's
// process group).
func TestOrphanHoldingPipe(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "execvp", "/bin/sh", []any{"sh", "-c", "sleep 1000 & echo $!"})
	if ev := event(t, e, ctx, c); builtins.Format(ev) != "{exit_status: 0}" {
		t.Fatalf("event = %s", builtins.Format(ev))
	}
	var orphan int
	fmt.Sscan(call(t, e, ctx, c, "stdout", int64(1000)).(string), &orphan)
	if orphan == 0 || !testutil.Alive(orphan) {
		t.Fatalf("no orphan sleep (%d)", orphan)
	}
	call(t, e, ctx, nil, "getpid")
	e.Close()
	testutil.WaitDead(t, orphan)
}

// An exec'd program sees fds 0, 1 and 2 and nothing of alsh's.
func TestExecFdHygiene(t *testing.T) {
	e, ctx := start(t)
	pl := chain(t, e, ctx, 3)
	call(t, e, ctx, pl, "execvp", "/bin/ls", []any{"ls", "-1", "/proc/self/fd"})
	event(t, e, ctx, pl)
	out := call(t, e, ctx, pl, "stdout").(string)
	// ls itself holds one fd (3) open on the directory it lists.
	if out != "0\n1\n2\n3\n" {
		t.Fatalf("fds seen by the program:\n%s", out)
	}
}

func TestKillMiddleTakesSubtree(t *testing.T) {
	e, ctx := start(t)
	a := fork(t, e, ctx, nil)
	b := fork(t, e, ctx, a)
	c := fork(t, e, ctx, b)
	d := fork(t, e, ctx, b)
	call(t, e, ctx, d, "execvp", "/bin/sleep", []any{"sleep", "1000"})
	call(t, e, ctx, nil, "kill", int64(leaf(a)), builtins.Const("sigkill"))
	if ev := event(t, e, ctx, a); builtins.Format(ev) != `{termsig: "sigkill"}` {
		t.Fatalf("event = %s", builtins.Format(ev))
	}
	testutil.WaitDead(t, leaf(b), leaf(c), leaf(d))
	if _, err := e.Call(ctx, b, "getpid", nil); !errors.Is(err, builtins.ErrBadPid) {
		t.Fatalf("call below the killed node: %v, want badpid", err)
	}
}

func TestExecMiddleTakesSubtree(t *testing.T) {
	e, ctx := start(t)
	a := fork(t, e, ctx, nil)
	b := fork(t, e, ctx, a)
	c := fork(t, e, ctx, b)
	d := fork(t, e, ctx, a)
	call(t, e, ctx, c, "execvp", "/bin/sleep", []any{"sleep", "1000"})
	call(t, e, ctx, d, "execvp", "/bin/sleep", []any{"sleep", "1000"})
	call(t, e, ctx, a, "execvp", "/bin/sleep", []any{"sleep", "1000"})
	testutil.WaitDead(t, leaf(b), leaf(c), leaf(d))
	if !testutil.Alive(leaf(a)) {
		t.Fatal("the exec'd middle process itself died")
	}
}

// SIGKILL of the alsh process takes the whole tree down.
func TestSigkillOfDriverTakesTree(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDriver$")
	cmd.Env = append(os.Environ(), "ALSH_TEST_DRIVER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pids []int
	for {
		var pid int
		if _, err := fmt.Fscan(out, &pid); err != nil || pid == 0 {
			break
		}
		pids = append(pids, pid)
	}
	if len(pids) < 6 {
		t.Fatalf("helper driver reported %d pids", len(pids))
	}
	cmd.Process.Kill()
	cmd.Wait()
	testutil.WaitDead(t, pids...)
}

// TestHelperDriver is not a test: TestSigkillOfDriverTakesTree runs it in a
// child process, which builds a tree, prints its pids and waits to be killed.
func TestHelperDriver(t *testing.T) {
	if os.Getenv("ALSH_TEST_DRIVER") != "1" {
		t.Skip("helper process for TestSigkillOfDriverTakesTree")
	}
	e, ctx := start(t)
	a := chain(t, e, ctx, 3)
	b := fork(t, e, ctx, a[:1])
	call(t, e, ctx, b, "execvp", "/bin/sleep", []any{"sleep", "1000"})
	c := fork(t, e, ctx, a)
	call(t, e, ctx, c, "execvp", "/bin/sh", []any{"sh", "-c", "sleep 1000; true"})
	for _, p := range e.Processes() {
		fmt.Println(p.Pid)
	}
	fmt.Println(0)
	time.Sleep(time.Minute)
}

// Every process is reaped and the driver's fd count returns to where it
// started.
func TestNoLeaks(t *testing.T) {
	before := testutil.FdCount(t, "self")
	for i := 0; i < 3; i++ {
		e, ctx := start(t)
		pl := chain(t, e, ctx, 4)
		c := fork(t, e, ctx, pl[:2])
		call(t, e, ctx, c, "execvp", "/bin/cat", []any{"cat"})
		call(t, e, ctx, c, "stdin", "x")
		call(t, e, ctx, pl, "exit", int64(0))
		event(t, e, ctx, pl)
		pids := livePids(e)
		e.Close()
		testutil.WaitDead(t, pids...)
	}
	if after := testutil.FdCount(t, "self"); after != before {
		t.Fatalf("fds: %d before, %d after", before, after)
	}
	var ws unix.WaitStatus
	if pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil); pid > 0 || !errors.Is(err, unix.ECHILD) {
		t.Fatalf("an unreaped child is left: pid %d, %v", pid, err)
	}
}

func TestExitStatusAndTermsigEvents(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "exit", int64(7))
	if ev := event(t, e, ctx, c); builtins.Format(ev) != "{exit_status: 7}" {
		t.Fatalf("event = %s", builtins.Format(ev))
	}
	c = fork(t, e, ctx, nil)
	call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigterm"))
	// A node catches sigterm and reports it, as alcove's event loop does.
	if ev := event(t, e, ctx, c); builtins.Format(ev) != `{signal: "sigterm"}` {
		t.Fatalf("event = %s", builtins.Format(ev))
	}
	call(t, e, ctx, c, "getpid")
}

func TestExecFailureIsAnErrno(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	_, err := e.Call(ctx, c, "execvp", []any{"/nonexistent/prog", []any{"prog"}})
	if !isErrno(err, unix.ENOENT) {
		t.Fatalf("execvp of a missing program: %v, want enoent", err)
	}
	call(t, e, ctx, c, "getpid") // the node lives on
}

func TestOptionsAndLimits(t *testing.T) {
	e, ctx := start(t)
	if got := call(t, e, ctx, nil, "getopt", builtins.Const("maxchild")).(int64); got != 64 {
		t.Fatalf("maxchild = %d, want 64", got)
	}
	if got := call(t, e, ctx, nil, "getopt", builtins.Const("maxforkdepth")).(int64); got != 16 {
		t.Fatalf("maxforkdepth = %d, want 16", got)
	}
	call(t, e, ctx, nil, "setopt", builtins.Const("maxforkdepth"), int64(2))
	call(t, e, ctx, nil, "setopt", builtins.Const("signaloneof"), int64(9))
	pl := chain(t, e, ctx, 2)
	// Options are inherited by children forked later.
	if got := call(t, e, ctx, pl, "getopt", builtins.Const("signaloneof")).(int64); got != 9 {
		t.Fatalf("inherited signaloneof = %d, want 9", got)
	}
	if _, err := e.Call(ctx, pl, "fork", nil); !isErrno(err, unix.EAGAIN) {
		t.Fatalf("fork past maxforkdepth: %v, want eagain", err)
	}
	call(t, e, ctx, pl[:1], "setopt", builtins.Const("maxchild"), int64(1))
	if _, err := e.Call(ctx, pl[:1], "fork", nil); !isErrno(err, unix.EAGAIN) {
		t.Fatalf("fork past maxchild: %v, want eagain", err)
	}
	if _, err := e.Call(ctx, nil, "setopt", []any{builtins.Const("maxchild"), int64(-1)}); err == nil {
		t.Fatal("setopt maxchild -1 succeeded")
	}
}

// getrlimit reports the limit the parent set, not the one Go raises itself
// to at start.
func TestRlimitNofileIsTheParents(t *testing.T) {
	e, ctx := start(t)
	a := fork(t, e, ctx, nil)
	lim := call(t, e, ctx, a, "getrlimit", builtins.Const("rlimit_nofile")).(builtins.Record)
	call(t, e, ctx, a, "setrlimit", builtins.Const("rlimit_nofile"), builtins.Record{"cur": int64(100), "max": lim["max"]})
	b := fork(t, e, ctx, a)
	got := call(t, e, ctx, b, "getrlimit", builtins.Const("rlimit_nofile")).(builtins.Record)
	if got["cur"] != int64(100) || got["max"] != lim["max"] {
		t.Fatalf("child's nofile = %s, want {cur: 100, max: %v}", builtins.Format(got), lim["max"])
	}
	call(t, e, ctx, b, "execvp", "/bin/sh", []any{"sh", "-c", "ulimit -n"})
	event(t, e, ctx, b)
	if out := call(t, e, ctx, b, "stdout").(string); out != "100\n" {
		t.Fatalf("the exec'd program's nofile: %q, want 100", out)
	}
}

func TestCallTimeoutAndContext(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	unix.Kill(leaf(c), unix.SIGSTOP)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := e.Call(short, c, "getpid", nil)
	if err == nil || !strings.Contains(err.Error(), "no reply") {
		t.Fatalf("call to a stopped node: %v, want a timeout", err)
	}
	unix.Kill(leaf(c), unix.SIGCONT)
	call(t, e, ctx, c, "getpid") // the late reply is dropped, the next one matches
}

// stdin to a program that never reads waits for room once the queue
// holds its bound, and fails with timeout at the call's deadline, having
// queued nothing of that call: the queue stays bounded.
func TestStdinQueueBoundedWaitsThenTimesOut(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "execvp", "/bin/sleep", []any{"sleep", "1000"})
	chunk := strings.Repeat("x", 1<<20)
	var err error
	sent := 0
	for ; sent < 200 && err == nil; sent++ {
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		_, err = e.Call(short, c, "stdin", []any{chunk})
		cancel()
	}
	if !errors.Is(err, builtins.ErrTimeout) {
		t.Fatalf("stdin to a program that never reads: %v, want a timeout once the queue is full", err)
	}
	if queued := (sent - 1) << 20; queued > maxStdinQueue+(1<<20) {
		t.Fatalf("%d bytes queued, past the bound %d", queued, maxStdinQueue)
	}
}

func TestUnknownCallAndBadArgs(t *testing.T) {
	e, ctx := start(t)
	if _, err := e.Call(ctx, nil, "frobnicate", nil); err == nil || !strings.Contains(err.Error(), "unknown call frobnicate") {
		t.Fatalf("unknown call: %v", err)
	}
	_, err := e.Call(ctx, nil, "setuid", []any{"root"})
	var ae *builtins.ArgError
	if !errors.As(err, &ae) || ae.N != 1 {
		t.Fatalf("setuid \"root\": %v, want an argument error on argument 1", err)
	}
	_, err = e.Call(ctx, nil, "kill", []any{int64(1), builtins.Const("sigtrem")})
	if err == nil || !strings.Contains(err.Error(), "sigterm") {
		t.Fatalf("unknown signal: %v, want a suggestion of sigterm", err)
	}
}

// A call to a process that runs a program says so (bad input gets a clear
// error naming what was wrong).
func TestCallToProgramIsNotNode(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "execvp", "/bin/sleep", []any{"sleep", "100"})
	_, err := e.Call(ctx, c, "getpid", nil)
	if !errors.Is(err, builtins.ErrNotNode) || !strings.Contains(err.Error(), "runs sleep") {
		t.Fatalf("getpid on an exec'd sleep: %v", err)
	}
}

// Option prefork: forks take a child booted ahead of time, and a call that
// changes what a child inherits discards it, so forks stay faithful.
func TestPrefork(t *testing.T) {
	e, ctx := start(t)
	a := fork(t, e, ctx, nil)
	call(t, e, ctx, a, "setopt", builtins.Const("prefork"), int64(1))
	b := fork(t, e, ctx, a)
	call(t, e, ctx, a, "getpid") // pure: the spare made meanwhile stays
	c := fork(t, e, ctx, a)
	if got := call(t, e, ctx, c, "getppid").(int64); int(got) != leaf(a) {
		t.Fatalf("a spare's parent = %d, want %d", got, leaf(a))
	}
	// Not pure: the spare made before chdir would start in the old cwd.
	dir := t.TempDir()
	call(t, e, ctx, a, "chdir", dir)
	d := fork(t, e, ctx, a)
	if got := call(t, e, ctx, d, "getcwd").(string); got != dir {
		t.Fatalf("getcwd after chdir and a prefork fork = %q, want %q", got, dir)
	}
	// Children inherit the option; the spares are never seen as children.
	if got := call(t, e, ctx, b, "getopt", builtins.Const("prefork")).(int64); got != 1 {
		t.Fatalf("inherited prefork = %d", got)
	}
	kids := 0
	for _, p := range e.Processes() {
		if len(p.Pipeline) == 2 && p.Pipeline[0] == leaf(a) {
			kids++
		}
	}
	if kids != 3 {
		t.Fatalf("%d children of a, want 3 (b, c, d)", kids)
	}
	call(t, e, ctx, c, "exit", int64(0))
	if ev := event(t, e, ctx, c); builtins.Format(ev) != "{exit_status: 0}" {
		t.Fatalf("event = %s", builtins.Format(ev))
	}
}

// The driver knows every process's pid in its own namespace, the root's
// included (it runs under a wrapper such as sudo, so the pid alsh started
// is not the root's).
func TestHostPids(t *testing.T) {
	e, ctx := start(t)
	fork(t, e, ctx, nil)
	for _, p := range e.Processes() {
		if p.HostPid <= 0 || !testutil.Alive(p.HostPid) {
			t.Fatalf("process %v has host pid %d", p.Pipeline, p.HostPid)
		}
	}
	if got := call(t, e, ctx, nil, "getpid").(int64); int(got) != e.Processes()[0].HostPid {
		t.Fatalf("root's host pid %d, getpid %d", e.Processes()[0].HostPid, got)
	}
}

// spawn: a program started in one step, with its sandbox, is a child like
// an exec'd one: stdio, events, and a host pid the driver can wait for.
func TestSpawn(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	opts := builtins.Record{"env": []any{"FOO=bar"}, "chdir": "/tmp",
		"rlimits": builtins.Record{"nofile": builtins.Record{"cur": int64(12), "max": int64(12)}}}
	pid := call(t, e, ctx, c, "spawn", "sh", []any{"sh", "-c", "echo $FOO; pwd; ulimit -n; exit 4"}, opts).(int64)
	p := append(append([]int(nil), c...), int(pid))
	if ev := event(t, e, ctx, p); builtins.Format(ev) != "{exit_status: 4}" {
		t.Fatalf("event = %s", builtins.Format(ev))
	}
	if out := call(t, e, ctx, p, "stdout").(string); out != "bar\n/tmp\n12\n" {
		t.Fatalf("the program saw %q", out)
	}
	pid = call(t, e, ctx, c, "spawn", "cat", []any{"cat"}).(int64)
	p = append(append([]int(nil), c...), int(pid))
	call(t, e, ctx, p, "stdin", "x\n")
	if out := call(t, e, ctx, p, "stdout", int64(5000)); out != "x\n" {
		t.Fatalf("cat echoed %q", out)
	}
	if _, err := e.Call(ctx, p, "getpid", nil); !errors.Is(err, builtins.ErrNotNode) {
		t.Fatalf("getpid on a spawned program: %v, want notnode", err)
	}
	if hp := e.hostPid(t, p); hp <= 0 || !testutil.Alive(hp) {
		t.Fatalf("the spawned cat's host pid is %d", hp)
	}
	pid = call(t, e, ctx, c, "spawn", "ls", []any{"ls", "-1", "/proc/self/fd"}).(int64)
	p = append(append([]int(nil), c...), int(pid))
	event(t, e, ctx, p)
	if out := call(t, e, ctx, p, "stdout").(string); out != "0\n1\n2\n3\n" {
		t.Fatalf("fds seen by a spawned program:\n%s", out)
	}
	_, err := e.Call(ctx, c, "spawn", []any{"/nonexistent", []any{"x"}})
	if !isErrno(err, unix.ENOENT) {
		t.Fatalf("spawn of a missing program: %v, want enoent", err)
	}
	_, err = e.Call(ctx, c, "spawn", []any{"cat", []any{"cat"}, builtins.Record{"chroots": "/"}})
	if err == nil || !strings.Contains(err.Error(), "unknown field chroots") {
		t.Fatalf("spawn with a misspelt option: %v", err)
	}
}

// A program that ends at once: its exit event can come right behind the
// reply that made it, and must find it in the tree (a driver crash found
// by BenchmarkSpawn).
func TestSpawnExitsAtOnce(t *testing.T) {
	e, ctx := start(t)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 150; i++ {
				pid, err := e.Call(ctx, nil, "spawn", []any{"/bin/true", []any{"true"}})
				if err != nil {
					t.Errorf("spawn: %v", err)
					return
				}
				ev, err := e.Call(ctx, []int{int(pid.(int64))}, "event", []any{int64(10000)})
				if err != nil || builtins.Format(ev) != "{exit_status: 0}" {
					t.Errorf("spawn %d: event %s, %v", i, builtins.Format(ev), err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// joinChunks returns end-to-end slab chunks as one string without a copy,
// and copies anything else; a slab never hands out its last byte, so
// chunks of two slabs are never end to end.
func TestJoinChunks(t *testing.T) {
	var sl slab
	var chunks []string
	for i := 0; i < 3; i++ {
		b := sl.free(pipeSize)
		for j := range bigRead {
			b[j] = byte('a' + i)
		}
		chunks = append(chunks, sl.keep(bigRead))
	}
	if joinChunks(nil) != "" {
		t.Fatal("no chunks did not join to nothing")
	}
	joined := joinChunks(chunks)
	if unsafe.StringData(joined) != unsafe.StringData(chunks[0]) || joined != strings.Repeat("a", bigRead)+strings.Repeat("b", bigRead)+strings.Repeat("c", bigRead) {
		t.Fatal("three end-to-end chunks of a slab were copied, or joined wrong")
	}
	small := []string{chunks[0][:10], chunks[0][10:20]}
	if j := joinChunks(small); unsafe.StringData(j) == unsafe.StringData(small[0]) || j != chunks[0][:20] {
		t.Fatal("chunks below bigRead were not copied")
	}
	apart := []string{chunks[0], chunks[2]}
	if j := joinChunks(apart); unsafe.StringData(j) == unsafe.StringData(chunks[0]) || len(j) != 2*bigRead {
		t.Fatal("chunks that are not end to end were not copied")
	}
	for _, want := range []int{defaultPipe, pipeSize} { // small slabs, then big ones
		for range 200 { // through several slabs
			n := len(sl.free(want))
			if left := len(sl.buf) - n; left < 1 {
				t.Fatalf("a read of %d could fill the slab to its last byte (%d left)", want, left)
			}
			sl.keep(n)
		}
	}
}

// A stream's first reads, before its pipe is widened, take a small slab:
// a 4 MiB one made every run that printed a line collect once.
func TestStreamStartsWithASmallSlab(t *testing.T) {
	var sl slab
	if n := len(sl.free(defaultPipe)); n != defaultPipe || cap(sl.buf) != smallSlabSize {
		t.Fatalf("a read of the default pipe got %d bytes of a %d-byte slab, want %d of %d", n, cap(sl.buf), defaultPipe, smallSlabSize)
	}
	if n := len(sl.free(pipeSize)); n != pipeSize || cap(sl.buf) != slabSize {
		t.Fatalf("a read of a widened pipe got %d bytes of a %d-byte slab, want %d of %d", n, cap(sl.buf), pipeSize, slabSize)
	}
}
