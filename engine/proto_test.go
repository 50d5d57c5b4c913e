package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
	"github.com/alsh/alsh/engine/internal/testutil"
	"github.com/alsh/alsh/engine/internal/wire"
)

// A fork child is a proto-node until a call needs the Go node: one thread
// (a Go program runs several).
func threads(t *testing.T, e *Engine, pl []int) int {
	t.Helper()
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(e.hostPid(t, pl)) + "/task")
	if err != nil {
		t.Fatal(err)
	}
	return len(tasks)
}

func isProto(t *testing.T, e *Engine, pl []int) bool { return threads(t, e, pl) == 1 }

func needProto(t *testing.T) {
	if !proto.Supported {
		t.Skip("this build forks full nodes (race detector)")
	}
}

// noRaceBuild skips a test a race build cannot pass, and says why. Such a
// build links the race runtime with cgo, so its binary is dynamic: a node
// started from the memfd needs the ELF interpreter at its path, which a
// chroot jail lacks (execveat fails with ENOENT). And it forks full nodes,
// whose threads all count against an RLIMIT_NPROC of 1 after setuid (the
// exec fails with EAGAIN).
func noRaceBuild(t *testing.T, why string) {
	if proto.RaceEnabled {
		t.Skip("a race build " + why)
	}
}

// The proto-node serves its calls itself, and the node it boots into keeps
// what they changed.
func TestProtoNodeServesThenBoots(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	if !isProto(t, e, c) {
		t.Fatalf("a fresh fork child runs %d threads", threads(t, e, c))
	}
	if pid := call(t, e, ctx, c, "getpid"); pid != int64(leaf(c)) {
		t.Fatalf("getpid = %v, want %d", pid, leaf(c))
	}
	if ppid := call(t, e, ctx, c, "getppid"); ppid != call(t, e, ctx, nil, "getpid") {
		t.Fatalf("getppid = %v", ppid)
	}
	lim := builtins.Record{"cur": int64(1000), "max": int64(2000)}
	call(t, e, ctx, c, "setrlimit", builtins.Const("rlimit_fsize"), lim)
	call(t, e, ctx, c, "setrlimit", builtins.Const("rlimit_nofile"), builtins.Record{"cur": int64(100), "max": int64(200)})
	call(t, e, ctx, c, "chdir", "/tmp")
	if !isProto(t, e, c) {
		t.Fatal("the proto-node booted for calls it serves")
	}
	if cwd := call(t, e, ctx, c, "getcwd"); cwd != "/tmp" {
		t.Fatalf("getcwd after chdir = %v", cwd)
	}
	bootNode(t, e, ctx, c)
	if isProto(t, e, c) {
		t.Fatalf("%v did not boot the node", bootCall)
	}
	if cwd := call(t, e, ctx, c, "getcwd"); cwd != "/tmp" {
		t.Fatalf("getcwd after chdir and the boot = %v", cwd)
	}
	for res, want := range map[string]string{"rlimit_fsize": "{cur: 1000, max: 2000}", "rlimit_nofile": "{cur: 100, max: 200}"} {
		if got := builtins.Format(call(t, e, ctx, c, "getrlimit", builtins.Const(res))); got != want {
			t.Errorf("getrlimit %s after the boot = %s, want %s", res, got, want)
		}
	}
}

// Errors from a proto-node read as the node's.
func TestProtoNodeErrorsAsNode(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	proto := fork(t, e, ctx, nil)
	node := fork(t, e, ctx, nil)
	bootNode(t, e, ctx, node)
	calls := []struct {
		name string
		args []any
	}{
		{"chroot", []any{"/nonexistent"}},
		{"chdir", []any{"/etc/passwd"}},
		{"execvp", []any{"nosuchprogram", []any{"x"}}},
		{"execvp", []any{"/etc", []any{"x"}}},
		{"execve", []any{"/etc/passwd", []any{"x"}, []any{}}},
		{"sethostname", []any{strings.Repeat("x", 100)}}, // einval: too long
		{"setrlimit", []any{builtins.Const("rlimit_fsize"), builtins.Record{"cur": int64(2), "max": int64(1)}}},
		{"setenv", []any{"", "x"}},
		{"setenv", []any{"A=B", "x", int64(0)}},
		{"setenv", []any{"A\x00B", "x"}},
		{"unsetenv", []any{"A=B"}},
		{"unsetenv", []any{""}},
	}
	if os.Geteuid() == 0 {
		calls = append(calls, struct {
			name string
			args []any
		}{"chroot", []any{"/etc/passwd"}})
	}
	for _, c := range calls {
		_, perr := e.Call(ctx, proto, c.name, c.args)
		_, nerr := e.Call(ctx, node, c.name, c.args)
		if perr == nil || nerr == nil || perr.Error() != nerr.Error() {
			t.Errorf("%s %v: proto-node %v, node %v", c.name, c.args, perr, nerr)
		}
	}
	if !isProto(t, e, proto) {
		t.Fatal("a failed call booted the proto-node")
	}
}

// A limit under which the Go runtime could not start is left to the node:
// the proto-node boots first.
func TestProtoNodeBootsBeforeLowLimits(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	for _, res := range []string{"rlimit_nofile", "rlimit_nproc"} {
		c := fork(t, e, ctx, nil)
		call(t, e, ctx, c, "setrlimit", builtins.Const(res), builtins.Record{"cur": int64(8), "max": int64(8)})
		if isProto(t, e, c) {
			t.Fatalf("setrlimit %s 8 left a proto-node", res)
		}
		bootNode(t, e, ctx, c)
	}
}

// A proto-node holds only its own fds: stdio, control socket, lifeline,
// the binary's memfd and its signalfd; none of its parent's (which would
// keep its siblings' pipes open).
func TestProtoNodeFds(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	sibling := fork(t, e, ctx, nil)
	bootNode(t, e, ctx, sibling)
	c := fork(t, e, ctx, nil)
	if n := testutil.FdCount(t, e.hostPid(t, c)); n != proto.NSpawnFds+1 {
		fds, _ := os.ReadDir("/proc/" + strconv.Itoa(e.hostPid(t, c)) + "/fd")
		t.Fatalf("the proto-node holds %d fds: %v", n, fds)
	}
}

// A proto-node dies with its parent, as a node does.
func TestProtoNodeDiesWithParent(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	parent := fork(t, e, ctx, nil)
	c := fork(t, e, ctx, parent)
	host := e.hostPid(t, c)
	call(t, e, ctx, nil, "kill", int64(leaf(parent)), builtins.Const("sigkill"))
	testutil.WaitDead(t, host)
}

// A proto-node reports the signals it catches as a node does, without
// booting; sigchld only under sigaction sigchld sig_info (it has no
// children to reap).
func TestProtoNodeSignal(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	for _, sig := range []string{"sigusr1", "sigterm", "sigchld", "sighup"} {
		call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const(sig))
	}
	var got []string // pending together, signals come lowest first
	for range 3 {
		got = append(got, builtins.Format(event(t, e, ctx, c)))
	}
	slices.Sort(got)
	if want := `{signal: "sighup"} {signal: "sigterm"} {signal: "sigusr1"}`; strings.Join(got, " ") != want {
		t.Fatalf("events %v, want %s", got, want)
	}
	if !isProto(t, e, c) {
		t.Fatal("signals booted the node")
	}
	sigaction(t, e, nil, "sigchld", builtins.Const("sig_info"))
	c = fork(t, e, ctx, nil)
	call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigchld"))
	if ev := builtins.Format(event(t, e, ctx, c)); ev != `{signal: "sigchld"}` {
		t.Fatalf("event under sigchld sig_info = %s", ev)
	}
}

// exit from a proto-node.
func TestProtoNodeExit(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "exit", int64(3))
	if ev := builtins.Format(event(t, e, ctx, c)); ev != "{exit_status: 3}" {
		t.Fatalf("event = %s", ev)
	}
}

// progOutput waits for pl's exit event and takes its stdout (a process's
// output comes before its exit event).
func progOutput(t *testing.T, e *Engine, ctx context.Context, pl []int) (ev, out string) {
	t.Helper()
	ev = builtins.Format(event(t, e, ctx, pl))
	v, err := e.Call(ctx, pl, "stdout", []any{int64(0)})
	if errors.Is(err, builtins.ErrBadPid) {
		return ev, "" // the engine forgot the process: nothing was left
	}
	if err != nil {
		t.Fatalf("stdout %v: %v", pl, err)
	}
	return ev, v.(string)
}

// booted forks a child and boots it (bootCall is no proto-node call).
func booted(t testing.TB, e *Engine, ctx context.Context, pl []int) []int {
	t.Helper()
	c := fork(t, e, ctx, pl)
	bootNode(t, e, ctx, c)
	return c
}

// In namespaces of its own, the proto-node serves sethostname and getpid
// (pid 1), and the node it boots into sees the name. The host's name
// stays.
func TestProtoNodeNamespaces(t *testing.T) {
	needProto(t)
	testutil.RequirePrivileged(t)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	e, ctx := start(t)
	pid := call(t, e, ctx, nil, "clone", []any{builtins.Const("clone_newuts"), builtins.Const("clone_newpid")}).(int64)
	c := []int{int(pid)}
	call(t, e, ctx, c, "sethostname", "proto-uts")
	if got := call(t, e, ctx, c, "getpid"); got != int64(1) {
		t.Errorf("getpid in a new pid namespace = %v, want 1", got)
	}
	if got := call(t, e, ctx, c, "getppid"); got != int64(0) {
		t.Errorf("getppid in a new pid namespace = %v, want 0", got)
	}
	if !isProto(t, e, c) {
		t.Fatal("sethostname or getpid booted the proto-node")
	}
	if got := call(t, e, ctx, c, "gethostname"); got != "proto-uts" {
		t.Errorf("gethostname = %v, want proto-uts", got)
	}
	bootNode(t, e, ctx, c)
	if isProto(t, e, c) {
		t.Fatalf("%v did not boot the node", bootCall)
	}
	if got := call(t, e, ctx, c, "gethostname"); got != "proto-uts" {
		t.Errorf("gethostname after the boot = %v, want proto-uts", got)
	}
	if got := call(t, e, ctx, c, "getpid"); got != int64(1) {
		t.Errorf("getpid of the booted node = %v, want 1", got)
	}
	if now, _ := os.Hostname(); now != host {
		t.Fatalf("the host's name changed: %q, was %q", now, host)
	}
}

// execve from a proto-node passes exactly the env it is given; the
// program holds only stdin, stdout and stderr, has no signal blocked or
// caught, and ignores those its parent ignores, as from a node.
func TestProtoNodeExecveExact(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	sigaction(t, e, nil, "sighup", builtins.Const("sig_ign"))
	run := func(boot bool, path string, argv, env []any) string {
		t.Helper()
		c := fork(t, e, ctx, nil)
		if boot {
			bootNode(t, e, ctx, c)
		}
		call(t, e, ctx, c, "execve", path, argv, env)
		ev, out := progOutput(t, e, ctx, c)
		if ev != "{exit_status: 0}" {
			t.Fatalf("%v: %s", argv, ev)
		}
		return out
	}
	env := []any{"A=1", "B=two words", "C="}
	if got := run(false, "/bin/cat", []any{"cat", "/proc/self/environ"}, env); got != "A=1\x00B=two words\x00C=\x00" {
		t.Errorf("environ %q", got)
	}
	if got := run(false, "/bin/cat", []any{"cat", "/proc/self/environ"}, []any{}); got != "" {
		t.Errorf("environ %q, want none", got)
	}
	if got := run(false, "/bin/ls", []any{"ls", "/proc/self/fd"}, env); got != "0\n1\n2\n3\n" { // 3: ls's own
		t.Errorf("fds %q", got)
	}
	status := run(false, "/bin/cat", []any{"cat", "/proc/self/status"}, env)
	nodeStatus := run(true, "/bin/cat", []any{"cat", "/proc/self/status"}, env)
	for _, field := range []string{"SigBlk", "SigCgt", "SigIgn"} {
		got, want := statusMask(t, status, field), statusMask(t, nodeStatus, field)
		if field != "SigIgn" && want != 0 || field == "SigIgn" && want&(1<<(unix.SIGHUP-1)) == 0 {
			t.Errorf("from a node, %s = %#x", field, want)
		}
		if got != want {
			t.Errorf("%s = %#x, from a node %#x", field, got, want)
		}
	}
}

// execvp looks the file up in the parent's PATH (set before the fork) as
// the node does with exec.LookPath: the same path reaches the program
// (a script's $0), unclean PATH entries included.
func TestProtoNodeExecvpPath(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/protoprog", []byte("#!/bin/sh\necho \"$0 $*\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir+"/sub", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/sub/protoprog", []byte("not executable"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := "/nonexistent:" + dir + "/sub:" + dir + "//sub/..///:/usr/bin:/bin"
	call(t, e, ctx, nil, "setenv", "PATH", path, int64(1))
	for _, boot := range []bool{false, true} {
		c := fork(t, e, ctx, nil)
		if boot {
			bootNode(t, e, ctx, c)
		} else if !isProto(t, e, c) {
			t.Fatal("no proto-node")
		}
		call(t, e, ctx, c, "execvp", "protoprog", []any{"protoprog", "a b"})
		ev, out := progOutput(t, e, ctx, c)
		if want := dir + "/protoprog a b\n"; ev != "{exit_status: 0}" || out != want {
			t.Errorf("booted %v: event %s, output %q, want %q", boot, ev, out, want)
		}
	}
	c := fork(t, e, ctx, nil)
	_, err := e.Call(ctx, c, "execvp", []any{"nosuchprog", []any{"x"}})
	if !isErrno(err, unix.ENOENT) || !isProto(t, e, c) {
		t.Fatalf("execvp nosuchprog: %v", err)
	}
	call(t, e, ctx, c, "execvp", "true", []any{"true"}) // found in /usr/bin or /bin
	if ev := builtins.Format(event(t, e, ctx, c)); ev != "{exit_status: 0}" {
		t.Fatalf("true: %s", ev)
	}
}

// A failed exec leaves the proto-node serving, its signals still taken;
// a later exec works.
func TestProtoNodeFailedExec(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	bad := t.TempDir() + "/noformat"
	if err := os.WriteFile(bad, []byte("\x01\x02\x03 no interpreter"), 0o755); err != nil {
		t.Fatal(err)
	}
	proto := fork(t, e, ctx, nil)
	node := booted(t, e, ctx, nil)
	for _, c := range []struct {
		name  string
		args  []any
		errno unix.Errno
	}{
		{"execve", []any{bad, []any{"x"}, []any{}}, unix.ENOEXEC},
		{"execvp", []any{bad, []any{"x"}}, unix.ENOEXEC},
		{"execve", []any{"/nonexistent", []any{"x"}, []any{}}, unix.ENOENT},
		{"execve", []any{"", []any{}, []any{}}, unix.ENOENT},
		{"execvp", []any{"", []any{"x"}}, unix.ENOENT},
		{"execvp", []any{"..", []any{"x"}}, unix.ENOENT},
		{"execvp", []any{"/", []any{"x"}}, unix.EACCES}, // as execve: a slash, no search
		{"execve", []any{"/etc/passwd", []any{"x"}, []any{}}, unix.EACCES},
	} {
		_, perr := e.Call(ctx, proto, c.name, c.args)
		_, nerr := e.Call(ctx, node, c.name, c.args)
		if !isErrno(perr, c.errno) || nerr == nil || perr.Error() != nerr.Error() {
			t.Errorf("%s %v: proto-node %v, node %v, want %v", c.name, c.args, perr, nerr, c.errno)
		}
	}
	if !isProto(t, e, proto) {
		t.Fatal("a failed exec booted the proto-node")
	}
	call(t, e, ctx, nil, "kill", int64(leaf(proto)), builtins.Const("sigusr2"))
	if ev := builtins.Format(event(t, e, ctx, proto)); ev != `{signal: "sigusr2"}` {
		t.Fatalf("event after sigusr2 = %s", ev)
	}
	call(t, e, ctx, proto, "execve", "/bin/sh", []any{"sh", "-c", "exit 7"}, []any{})
	if ev := builtins.Format(event(t, e, ctx, proto)); ev != "{exit_status: 7}" {
		t.Fatalf("exit event = %s", ev)
	}
}

// A call the child's filter denies is refused after the boot exactly as
// by a node; the filter a node sets for itself only does not reach the
// proto-nodes it forks.
func TestProtoNodeFiltered(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	call(t, e, ctx, nil, "filter", []any{"getppid"}, []any{"getpid", "execve", "chdir"})
	proto := fork(t, e, ctx, nil)
	node := booted(t, e, ctx, nil)
	for _, c := range []struct {
		name string
		args []any
	}{
		{"getpid", nil},
		{"chdir", []any{"/"}},
		{"execve", []any{"/bin/true", []any{"true"}, []any{}}},
	} {
		_, perr := e.Call(ctx, proto, c.name, c.args)
		_, nerr := e.Call(ctx, node, c.name, c.args)
		if !isFiltered(perr, c.name) || nerr == nil || perr.Error() != nerr.Error() {
			t.Errorf("%s: proto-node %v, node %v", c.name, perr, nerr)
		}
	}
	if isProto(t, e, proto) {
		t.Fatal("a filtered call did not boot the proto-node")
	}
	c := fork(t, e, ctx, nil)
	if got := call(t, e, ctx, c, "getppid"); got != call(t, e, ctx, node, "getppid") {
		t.Fatalf("getppid = %v", got)
	}
	if !isProto(t, e, c) {
		t.Fatal("getppid, denied to the parent only, booted its child")
	}
}

// Calls larger than the proto-node reads (16 KiB) or with more strings
// than it holds (1024) boot it, and the node serves them; the parent is
// unharmed (the child shares its memory).
func TestProtoNodeLargeCalls(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	big := strings.Repeat("x", 20000)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "execve", "/bin/sh", []any{"sh", "-c", `echo ${#1}`, "sh", big}, []any{})
	if ev, out := progOutput(t, e, ctx, c); ev != "{exit_status: 0}" || out != "20000\n" {
		t.Errorf("execve with a 20 kB argument: event %s, output %q", ev, out)
	}
	c = fork(t, e, ctx, nil)
	call(t, e, ctx, c, "setenv", "BIG", big, int64(1))
	if got := call(t, e, ctx, c, "getenv", "BIG"); got != big {
		t.Errorf("getenv BIG after setenv of 20 kB: %d bytes", len(fmt.Sprint(got)))
	}
	for _, n := range []int{1024, 1025, 3000} {
		args := []any{"sh", "-c", `echo $# $E`, "sh"}
		env := []any{}
		for len(args) < n {
			args = append(args, "a")
		}
		for len(env) < n {
			env = append(env, "E="+strconv.Itoa(len(env)))
		}
		c := fork(t, e, ctx, nil)
		_, err := e.Call(ctx, c, "execve", []any{"/nonexistent", args, env})
		if !isErrno(err, unix.ENOENT) || isProto(t, e, c) != (n <= proto.MaxArgs) {
			t.Errorf("execve /nonexistent with %d arguments: %v, proto-node %v", n, err, isProto(t, e, c))
		}
		call(t, e, ctx, c, "execve", "/bin/sh", args, env)
		if ev, out := progOutput(t, e, ctx, c); ev != "{exit_status: 0}" || out != fmt.Sprintf("%d %d\n", n-4, n-1) {
			t.Errorf("execve with %d arguments: event %s, output %q", n, ev, out)
		}
	}
	c = fork(t, e, ctx, nil)
	args := make([]any, 2000)
	for i := range args {
		args[i] = "x"
	}
	_, err := e.Call(ctx, c, "execvp", []any{"nosuchprog", args})
	if !isErrno(err, unix.ENOENT) {
		t.Errorf("execvp with 2000 arguments: %v", err)
	}
	if pid := call(t, e, ctx, nil, "getpid"); pid != int64(e.hostPid(t, nil)) {
		t.Fatalf("root getpid = %v", pid)
	}
}

// A caught signal sent right after the fork is reported by the node the
// proto-node boots into, also those the Go runtime unblocks before it has
// handlers; and a signal that comes while the proto-node serves calls is
// reported before a call that boots it.
func TestProtoNodeSignalsAfterFork(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	for _, sig := range []string{"sighup", "sigint", "sigquit", "sigusr1", "sigusr2", "sigpipe", "sigalrm", "sigterm"} {
		c := fork(t, e, ctx, nil)
		call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const(sig))
		if ev := builtins.Format(event(t, e, ctx, c)); ev != `{signal: "`+sig+`"}` {
			t.Fatalf("event after %s = %s", sig, ev)
		}
		call(t, e, ctx, c, "getpid")
	}
	for i := 0; i < 20; i++ {
		c := fork(t, e, ctx, nil)
		call(t, e, ctx, c, "getpid")
		call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigterm"))
		bootNode(t, e, ctx, c)
		if ev := builtins.Format(event(t, e, ctx, c)); ev != `{signal: "sigterm"}` {
			t.Fatalf("round %d: event = %s", i, ev)
		}
	}
}

// exit from a proto-node ends it with the status a node's exit gives.
func TestProtoNodeExitStatus(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	for _, status := range []int64{0, 3, 255, 256 + 7, -1, 1<<31 - 1} {
		proto := fork(t, e, ctx, nil)
		node := booted(t, e, ctx, nil)
		call(t, e, ctx, proto, "exit", status)
		call(t, e, ctx, node, "exit", status)
		pev, nev := builtins.Format(event(t, e, ctx, proto)), builtins.Format(event(t, e, ctx, node))
		if pev != nev || !strings.HasPrefix(pev, "{exit_status: ") {
			t.Errorf("exit %d: proto-node %s, node %s", status, pev, nev)
		}
	}
}

// Clone flags that would have the child share its parent's fds, root or
// thread group, or stop the parent, are refused, whatever kind of child
// the clone would make; the parent goes on.
func TestProtoNodeCloneFlags(t *testing.T) {
	e, ctx := start(t)
	for _, flags := range [][]string{{"clone_files"}, {"clone_fs"}, {"clone_vfork"}, {"clone_parent"},
		{"clone_settls"}, {"clone_vm"}, {"clone_thread", "clone_sighand", "clone_vm"}, {"clone_newuts", "clone_files"},
		{"clone_newuser", "clone_files"}} {
		fl := make([]any, len(flags))
		for i, f := range flags {
			fl[i] = builtins.Const(f)
		}
		if _, err := e.Call(ctx, nil, "clone", []any{fl}); !isErrno(err, unix.EINVAL) {
			t.Errorf("clone %v: %v, want einval", flags, err)
		}
	}
	cwd := call(t, e, ctx, nil, "getcwd")
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "chdir", "/proc")
	if got := call(t, e, ctx, nil, "getcwd"); got != cwd {
		t.Fatalf("the child's chdir moved its parent to %v", got)
	}
	if got := call(t, e, ctx, c, "getcwd"); got != "/proc" {
		t.Fatalf("getcwd = %v", got)
	}
}

// rawCall sends a message as it is to pl's control socket and waits for
// the reply to id.
func rawCall(t *testing.T, e *Engine, ctx context.Context, pl []int, id uint32, m []byte) (any, error) {
	t.Helper()
	p := e.proc(t, pl)
	r := p.ctl.call(ctx, time.Now().Add(testTimeout), id, m, false, nil)
	if errors.Is(r.err, context.DeadlineExceeded) || errors.Is(r.err, context.Canceled) {
		t.Fatalf("message %d: no reply", id)
	}
	return r.val, r.err
}

// Malformed calls to a proto-node, each to a fresh one, make it boot and
// the node answers them with an error; none crashes or hangs it, or
// harms its parent.
func TestProtoNodeMalformed(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	msg := func(name string, body ...byte) []byte {
		b := wire.PutHeader(nil, wire.MsgCall, 1000)
		nr := mustNumber(t, name)
		return append(append(b, byte(nr), byte(nr>>8)), body...)
	}
	enc := func(name string, args ...any) []byte {
		b, err := wire.EncodeCall(nil, 1000, mustNumber(t, name), args)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	huge := []byte{wire.TagList, 0xff, 0xff, 0xff, 0xff}
	str := func(s string) []byte { b, _ := wire.EncodeValue(nil, s); return b }
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	list := func(n uint32) []byte {
		return []byte{wire.TagList, byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}
	}
	msgs := map[string][]byte{
		"execve argv of 2^32-1":      msg("execve", cat(list(3), str("/bin/true"), huge)...),
		"execve env of 2^32-1":       msg("execve", cat(list(3), str("/bin/true"), list(0), huge)...),
		"execve argv of 1025, short": msg("execve", cat(list(3), str("/bin/true"), list(1025), str("x"))...),
		"execvp argv of 2^32-1":      msg("execvp", cat(list(2), str("true"), huge)...),
		"execve path past the end":   msg("execve", cat(list(3), []byte{wire.TagString, 0xff, 0xff, 0, 0}, []byte("/bin"))...),
		"execve argv of ints":        enc("execve", "/bin/true", []any{int64(1)}, []any{}),
		"execve NUL in the path":     enc("execve", "/bin/true\x00x", []any{"true"}, []any{}),
		"execve 4 arguments":         enc("execve", "/bin/true", []any{"true"}, []any{}, []any{}),
		"chdir NUL in the path":      enc("chdir", "/\x00tmp"),
		"chdir bytes after":          append(enc("chdir", "/"), 'n'),
		"chdir an int":               enc("chdir", int64(1)),
		"getpid an argument":         enc("getpid", int64(1)),
		"getpid no list":             msg("getpid"),
		"getcwd an argument":         enc("getcwd", "/"),
		"read count -1":              enc("read", int64(0), int64(-1)),
		"write an int":               enc("write", int64(1), int64(1)),
		"setns 3 arguments":          enc("setns", int64(0), int64(0), int64(0)),
		"getrlimit a string":         enc("getrlimit", "rlimit_core"),
		"exit a string":              enc("exit", "3"),
		"setuid -1":                  enc("setuid", int64(-1)),
		"setrlimit 3 fields":         enc("setrlimit", int64(unix.RLIMIT_CORE), builtins.Record{"cur": int64(1), "max": int64(1), "x": int64(1)}),
		"setrlimit a const":          enc("setrlimit", int64(unix.RLIMIT_CORE), builtins.Record{"cur": builtins.Const("x"), "max": int64(1)}),
		"setrlimit resource 99":      enc("setrlimit", int64(99), builtins.Record{"cur": int64(1), "max": int64(1)}),
		"setrlimit max first":        cat(msg("setrlimit", cat(list(2), []byte{wire.TagInt, 99, 0, 0, 0, 0, 0, 0, 0}, []byte{wire.TagRecord, 2, 0, 0, 0})...), []byte{3, 0, 0, 0}, []byte("max"), []byte{wire.TagInt, 1, 0, 0, 0, 0, 0, 0, 0}, []byte{3, 0, 0, 0}, []byte("cur"), []byte{wire.TagInt, 1, 0, 0, 0, 0, 0, 0, 0}),
		"a call number out of range": append(wire.PutHeader(nil, wire.MsgCall, 1000), 0xff, 0xff, wire.TagList, 0, 0, 0, 0),
		"a reply, not a call":        append(wire.PutHeader(nil, wire.MsgReply, 1000), wire.TagNil),
	}
	for name, m := range msgs {
		c := fork(t, e, ctx, nil)
		host := e.hostPid(t, c)
		v, err := rawCall(t, e, ctx, c, 1000, m)
		if err == nil {
			t.Errorf("%s: no error (got %v)", name, v)
		}
		if !testutil.Alive(host) {
			t.Fatalf("%s: the child died", name)
		}
		if got := call(t, e, ctx, c, "getpid"); got != int64(leaf(c)) {
			t.Fatalf("%s: getpid after = %v", name, got)
		}
	}
	if pid := call(t, e, ctx, nil, "getpid"); pid != int64(e.hostPid(t, nil)) {
		t.Fatalf("root getpid = %v", pid)
	}
}

// clone_newtime (through clone3): a proto-node shares its parent's memory,
// so the kernel puts it in the new time namespace at its exec (as
// time_for_children until then); the node it boots into and the programs
// it execs are in it.
func TestProtoNodeTimeNamespace(t *testing.T) {
	needProto(t)
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	nsLink := func(pid int, name string) string {
		l, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	root := nsLink(e.root.hostPid, "time")
	c := call(t, e, ctx, nil, "clone", []any{[]any{builtins.Const("clone_newtime")}}).(int64)
	pl := []int{int(c)}
	pending := nsLink(e.hostPid(t, pl), "time_for_children")
	if pending == root {
		t.Fatalf("the proto-node's next time namespace is its parent's %s", pending)
	}
	bootNode(t, e, ctx, pl) // boots the node
	if ns := nsLink(e.hostPid(t, pl), "time"); ns != pending {
		t.Fatalf("the booted node is in time namespace %s, want %s", ns, pending)
	}
	call(t, e, ctx, pl, "execvp", "readlink", []any{"readlink", "/proc/self/ns/time"})
	event(t, e, ctx, pl)
	if out := call(t, e, ctx, pl, "stdout").(string); strings.TrimSpace(out) != pending {
		t.Fatalf("the exec'd program is in %q, want %s", out, pending)
	}
}

// protoComparison is one call of proto.Calls made by a proto-node and by
// a node in the same place: the two must answer alike (values through
// same, when they differ by nature, as pids), and leave the same state
// (observe, made after the call; the proto-node boots for it).
type protoComparison struct {
	args    []any
	clone   []any // clone flags of both children; nil: fork
	same    func(p, n any, pp, np []int) bool
	observe func(t *testing.T, e *Engine, ctx context.Context, pl []int) string
}

func protoComparisons() map[string]protoComparison {
	callOf := func(name string, args ...any) func(*testing.T, *Engine, context.Context, []int) string {
		return func(t *testing.T, e *Engine, ctx context.Context, pl []int) string {
			return builtins.Format(call(t, e, ctx, pl, name, args...))
		}
	}
	exitEvent := func(t *testing.T, e *Engine, ctx context.Context, pl []int) string {
		return builtins.Format(event(t, e, ctx, pl))
	}
	return map[string]protoComparison{
		"setrlimit": {args: []any{builtins.Const("rlimit_fsize"), builtins.Record{"cur": int64(1000), "max": int64(2000)}}, observe: callOf("getrlimit", builtins.Const("rlimit_fsize"))},
		"execve":    {args: []any{"/bin/true", []any{"true"}, []any{}}, observe: exitEvent},
		"execvp":    {args: []any{"true", []any{"true"}}, observe: exitEvent},
		"exit":      {args: []any{int64(3)}, observe: exitEvent},
		"fork":      {same: bothPids, observe: forkedChild},
		"clone":     {args: []any{builtins.Const("clone_newuts")}, same: bothPids, observe: forkedChild},
		"setenv":    {args: []any{"ALSH_CMP", "v"}, observe: callOf("environ")},
		"unsetenv":  {args: []any{"PATH"}, observe: callOf("environ")},
		"clearenv":  {observe: callOf("environ")},
		"getenv":    {args: []any{"PATH"}},
		"environ":   {},
	}
}

// bothPids: fork and clone answer a pid each, not the same.
func bothPids(p, n any, _, _ []int) bool {
	pp, ok1 := p.(int64)
	np, ok2 := n.(int64)
	return ok1 && ok2 && pp > 0 && np > 0 && pp != np
}

// forkedChild is what the child that pl forked says of itself: whether
// its parent is pl, and the exit event of a program it runs.
func forkedChild(t *testing.T, e *Engine, ctx context.Context, pl []int) string {
	var kid []int
	for _, p := range e.Processes() {
		if len(p.Pipeline) == len(pl)+1 && slices.Equal(p.Pipeline[:len(pl)], pl) {
			kid = p.Pipeline
		}
	}
	if kid == nil {
		return "no child"
	}
	parent := call(t, e, ctx, kid, "getppid") == call(t, e, ctx, pl, "getpid")
	call(t, e, ctx, kid, "execvp", "/bin/sh", []any{"sh", "-c", "exit 5"})
	return fmt.Sprintf("parent %v, %s", parent, builtins.Format(event(t, e, ctx, kid)))
}

// Each call the proto-node serves itself (the one list, proto.Calls)
// answers as the node's implementation does and leaves what it leaves.
// Errors are compared in TestProtoNodeErrorsAsNode.
func TestProtoNodeServesAsNode(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	cmp := protoComparisons()
	for name := range proto.Calls() {
		if rf, _ := builtins.Lookup(name); rf.RuntimeFree {
			continue // one implementation: TestRuntimeFreeErrnosAsKernel, TestRuntimeFreeEffects
		}
		c, ok := cmp[name]
		if !ok {
			t.Errorf("the proto-node serves %s, which no comparison with the node covers", name)
			continue
		}
		if c.clone != nil && os.Geteuid() != 0 {
			continue // needs root for its namespace; TestProtoNodeErrorsAsNode compares its error
		}
		child := func() []int {
			if c.clone == nil {
				return fork(t, e, ctx, nil)
			}
			return []int{int(call(t, e, ctx, nil, "clone", c.clone).(int64))}
		}
		pp := child()
		np := child()
		bootNode(t, e, ctx, np) // boots it
		pv, perr := e.Call(ctx, pp, name, c.args)
		nv, nerr := e.Call(ctx, np, name, c.args)
		if fmt.Sprint(perr) != fmt.Sprint(nerr) {
			t.Errorf("%s: proto-node %v, node %v", name, perr, nerr)
			continue
		}
		if same := c.same; same != nil && !same(pv, nv, pp, np) || same == nil && builtins.Format(pv) != builtins.Format(nv) {
			t.Errorf("%s: proto-node %s, node %s", name, builtins.Format(pv), builtins.Format(nv))
		}
		if c.observe != nil {
			if po, no := c.observe(t, e, ctx, pp), c.observe(t, e, ctx, np); po != no {
				t.Errorf("after %s: proto-node %s, node %s", name, po, no)
			}
		}
	}
}

// The root proto-node holds its six fds and its signalfd but none of
// the driver's: its lifeline's slot, which it has no use for, is closed
// too (the driver's fd 4 was left open there before).
func TestRootProtoNodeHoldsNoneOfTheDriversFds(t *testing.T) {
	needProto(t)
	testutil.RequirePrivileged(t)
	debug.FreeOSMemory() // the root may fork itself: a proto-node then
	if _, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(proto.FdLifeline)); err != nil {
		t.Fatalf("the test holds no fd %d to leave the root: %v", proto.FdLifeline, err)
	}
	e, _ := start(t)
	if !isProto(t, e, nil) {
		t.Fatal("the root is not a proto-node")
	}
	// six placed (no lifeline), and its signalfd
	if n := testutil.FdCount(t, e.rootProc.pid); n != proto.NSpawnFds {
		fds, _ := os.ReadDir("/proc/" + strconv.Itoa(e.rootProc.pid) + "/fd")
		t.Errorf("the root proto-node holds %d fds: %v", n, fds)
	}
}
