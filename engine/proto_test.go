package engine

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
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
	if !protoNodeSupported {
		t.Skip("this build forks full nodes (race detector)")
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
	if isProto(t, e, c) {
		t.Fatal("getcwd did not boot the node")
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
	call(t, e, ctx, node, "getcwd")
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
		call(t, e, ctx, c, "getcwd")
	}
}

// A proto-node holds only its own fds: stdio, control socket, lifeline,
// the binary's memfd and its signalfd; none of its parent's (which would
// keep its siblings' pipes open).
func TestProtoNodeFds(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	sibling := fork(t, e, ctx, nil)
	call(t, e, ctx, sibling, "getcwd")
	c := fork(t, e, ctx, nil)
	if n := fdCount(t, e.hostPid(t, c)); n != nSpawnFds+1 {
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
	waitDead(t, host)
}

// A signal to a proto-node boots it, and the node reports the signal.
func TestProtoNodeSignal(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	for _, sig := range []string{"sigusr1", "sigterm"} {
		call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const(sig))
		if ev := builtins.Format(event(t, e, ctx, c)); ev != `{signal: "`+sig+`"}` {
			t.Fatalf("event after %s = %s", sig, ev)
		}
	}
	if isProto(t, e, c) {
		t.Fatal("the signals did not boot the node")
	}
}

// exit from a proto-node.
func TestProtoNodeExit(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "exit", int64(3))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if ev := builtins.Format(event(t, e, ctx, c)); ev != "{exit_status: 3}" {
		t.Fatalf("event = %s", ev)
	}
}
