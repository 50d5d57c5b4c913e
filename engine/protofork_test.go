package engine

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// A proto-node forks without booting: its child is a proto-node of its
// own (one thread, not a node), whose parent it is, which runs a program
// whose output and exit event come as from any child; the parent stays a
// proto-node throughout.
func TestProtoNodeForksWithoutBooting(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	p := fork(t, e, ctx, nil)
	c := fork(t, e, ctx, p)
	if !isProto(t, e, p) || !isProto(t, e, c) {
		t.Fatalf("threads: parent %d, child %d, want 1 each", threads(t, e, p), threads(t, e, c))
	}
	if call(t, e, ctx, c, "getppid") != call(t, e, ctx, p, "getpid") {
		t.Fatal("the child's parent is not the proto-node that forked it")
	}
	call(t, e, ctx, c, "execvp", "/bin/sh", []any{"sh", "-c", "echo from $$; exit 7"})
	if ev := builtins.Format(event(t, e, ctx, c)); ev != "{exit_status: 7}" {
		t.Fatalf("exit event %s, want {exit_status: 7}", ev)
	}
	if out := call(t, e, ctx, c, "stdout", int64(0)); out != "from "+strconv.Itoa(leaf(c))+"\n" {
		t.Fatalf("the program wrote %q", out)
	}
	if !isProto(t, e, p) {
		t.Fatal("the parent booted")
	}
	// A signal's end, and a child in new namespaces.
	d := append(append([]int(nil), p...), int(call(t, e, ctx, p, "clone", []any{builtins.Const("clone_newpid"), builtins.Const("clone_newuts")}).(int64)))
	if pid := call(t, e, ctx, d, "getpid"); pid != int64(1) {
		t.Fatalf("the cloned child is pid %v in its namespace, want 1", pid)
	}
	call(t, e, ctx, d, "execvp", "/bin/sleep", []any{"sleep", "60"})
	call(t, e, ctx, p, "kill", int64(leaf(d)), builtins.Const("sigkill"))
	if ev := builtins.Format(event(t, e, ctx, d)); ev != `{termsig: "sigkill"}` {
		t.Fatalf("event %s, want {termsig: \"sigkill\"}", ev)
	}
	if !isProto(t, e, p) {
		t.Fatal("the parent booted")
	}
	// A user namespace, its maps written by the proto-node.
	u := append(append([]int(nil), p...), int(call(t, e, ctx, p, "clone", []any{builtins.Const("clone_newuser")},
		builtins.Record{"uid": "0 65534 1", "gid": "0 65534 1"}).(int64)))
	call(t, e, ctx, u, "execvp", "/bin/sh", []any{"sh", "-c", "id -u; id -g; cat /proc/self/uid_map /proc/self/setgroups"})
	if out := outputOf(t, e, u); strings.Join(strings.Fields(out), " ") != "0 0 0 65534 1 deny" {
		t.Fatalf("in the user namespace the program saw %q", out)
	}
	if _, err := e.Call(ctx, p, "clone", []any{[]any{builtins.Const("clone_newuser")}, builtins.Record{"uid": "0 0 0"}}); !errors.Is(err, unix.EINVAL) ||
		!strings.Contains(err.Error(), "uid_map") {
		t.Fatalf("clone with a map the kernel refuses: %v, want einval naming uid_map", err)
	}
	if !isProto(t, e, p) {
		t.Fatal("the parent booted")
	}
}

// A proto-node that boots hands its children to its node: their output,
// exit events and lifelines go on as before.
func TestProtoNodeBootKeepsItsChildren(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	p := fork(t, e, ctx, nil)
	c := fork(t, e, ctx, p)
	call(t, e, ctx, c, "execvp", "/bin/cat", []any{"cat"})
	d := fork(t, e, ctx, p) // stays a proto-node
	bootNode(t, e, ctx, p)
	if isProto(t, e, p) {
		t.Fatal("the parent did not boot")
	}
	call(t, e, ctx, c, "stdin", "after the boot\n")
	if out := call(t, e, ctx, c, "stdout", int64(5000)); out != "after the boot\n" {
		t.Fatalf("cat echoed %q", out)
	}
	call(t, e, ctx, c, "eof")
	if ev := builtins.Format(event(t, e, ctx, c)); ev != "{exit_status: 0}" {
		t.Fatalf("exit event %s from the booted parent, want {exit_status: 0}", ev)
	}
	// The node holds d's lifeline: its end ends d.
	dpid := e.hostPid(t, d)
	call(t, e, ctx, nil, "kill", int64(leaf(p)), builtins.Const("sigkill"))
	testutil.WaitDead(t, dpid) // the child outlives its parent by its lifeline's end at most
}

// maxchild holds for a proto-node's forks (the one past it is the node's
// eagain), and what it forked is counted.
func TestProtoNodeForkLimits(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	call(t, e, ctx, nil, "setopt", builtins.Const("maxchild"), int64(1))
	p := fork(t, e, ctx, nil)
	fork(t, e, ctx, p)
	if _, err := e.Call(ctx, p, "fork", nil); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("a second fork under maxchild 1: %v, want eagain", err)
	}
}

// The root proto-node of a driver with a large memory boots to fork (its
// child would copy the driver's page tables); a small driver's makes its
// first fork itself, and boots at its second.
func TestRootProtoNodeForksUnlessTheDriverIsLarge(t *testing.T) {
	needProto(t)
	testutil.RequirePrivileged(t) // the root proto-node needs the binary's read-only image
	for _, large := range []bool{false, true} {
		debug.FreeOSMemory() // what an earlier test left, a ballast of a run before this one included
		if !large && residentBytes() > rootForkMaxRSS {
			t.Fatalf("the test process is resident for %d MiB, over the root's limit before any ballast", residentBytes()>>20)
		}
		var ballast []byte
		if large {
			ballast = make([]byte, rootForkMaxRSS+(16<<20))
			for i := 0; i < len(ballast); i += 4096 {
				ballast[i] = 1
			}
		}
		e, ctx := start(t)
		if !isProto(t, e, nil) {
			t.Fatalf("large %v: the root is not a proto-node", large)
		}
		fork(t, e, ctx, nil)
		if isProto(t, e, nil) == large {
			t.Errorf("large %v: after a fork the root is a proto-node: %v", large, !large)
		}
		fork(t, e, ctx, nil)
		if isProto(t, e, nil) {
			t.Errorf("large %v: after a second fork the root is still a proto-node", large)
		}
		runtime.KeepAlive(ballast)
		e.Close()
	}
}

// The root proto-node's own child, booted, is a node like any other: not
// a second subreaper of the tree that ignores its lifeline (its argv's
// root word, copied from the root's, says "root=0").
func TestRootProtoNodeChildBootsAsAChild(t *testing.T) {
	needProto(t)
	testutil.RequirePrivileged(t)
	debug.FreeOSMemory() // a small driver: its root proto-node forks itself
	e, ctx := start(t)
	if !isProto(t, e, nil) {
		t.Fatal("the root is not a proto-node")
	}
	c := fork(t, e, ctx, nil)
	if !isProto(t, e, nil) {
		t.Fatal("the root booted to fork: its node made the child")
	}
	bootNode(t, e, ctx, c)
	if isProto(t, e, c) {
		t.Fatal("the child did not boot")
	}
	subreaper := func(pl []int) string {
		r := call(t, e, ctx, pl, "prctl", builtins.Const("pr_get_child_subreaper"), builtins.Record{"ptr": int64(4)}).(builtins.Record)
		return r["args"].([]any)[0].(builtins.Record)["ptr"].(string)
	}
	if got := subreaper(c); got != "\x00\x00\x00\x00" {
		t.Errorf("the root's booted child is a subreaper (%q), as only the root is", got)
	}
	if got := subreaper(nil); got != "\x01\x00\x00\x00" {
		t.Errorf("the root is not a subreaper (%q)", got)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", leaf(c)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cmdline), "\x00root=0\x00") {
		t.Errorf("the booted child's argv does not hold root=0: %q", cmdline)
	}
}

// The root proto-node's child, and that child's first child, run in the
// driver's memory too, each on a state of its own (proto's SetSpare),
// not in a copy of it: what the parent's calls changed before the fork
// (its environment) is the child's, and the argv words each writes in
// place are its own (once booted, the children say root=0, the root
// root=1, each at its depth). The child's second child is a copy.
func TestRootProtoNodeChildSharesTheDriversMemory(t *testing.T) {
	needProto(t)
	testutil.RequirePrivileged(t)
	debug.FreeOSMemory() // a small driver: its root proto-node forks itself
	e, ctx := start(t)
	call(t, e, ctx, nil, "setenv", "ALSH_ROOT_SET", "before the fork", int64(1))
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "setenv", "ALSH_CHILD_SET", "before its fork", int64(1))
	g := fork(t, e, ctx, c)
	g2 := fork(t, e, ctx, c)
	for _, pl := range [][]int{nil, c, g, g2} {
		if !isProto(t, e, pl) {
			t.Fatalf("%v booted", pl)
		}
	}
	for _, w := range []struct {
		pl   []int
		same bool
	}{{c, true}, {g, true}, {g2, false}} {
		if got := sameMemory(t, os.Getpid(), leaf(w.pl)); got != w.same {
			t.Errorf("%v shares the driver's memory: %v, want %v", w.pl, got, w.same)
		}
	}
	for _, pl := range [][]int{c, g, g2} {
		if got := call(t, e, ctx, pl, "getenv", "ALSH_ROOT_SET"); got != "before the fork" {
			t.Errorf("%v: ALSH_ROOT_SET is %v, not the root's", pl, got)
		}
	}
	if got := call(t, e, ctx, g, "getenv", "ALSH_CHILD_SET"); got != "before its fork" {
		t.Errorf("%v: ALSH_CHILD_SET is %v, not its parent's", g, got)
	}
	for _, pl := range [][]int{g, g2, c} {
		bootNode(t, e, ctx, pl)
	}
	fork(t, e, ctx, nil) // the root's second fork: it boots
	if isProto(t, e, nil) {
		t.Fatal("the root did not boot at its second fork")
	}
	for _, w := range []struct {
		pid   int
		words []string
	}{
		{leaf(g), []string{"root=0", "depth=0000000002"}},
		{leaf(g2), []string{"root=0", "depth=0000000002"}},
		{leaf(c), []string{"root=0", "depth=0000000001"}},
		{e.rootProc.pid, []string{"root=1", "depth=0000000000"}},
	} {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", w.pid))
		if err != nil {
			t.Fatal(err)
		}
		for _, word := range w.words {
			if !strings.Contains(string(cmdline), "\x00"+word+"\x00") {
				t.Errorf("pid %d's argv does not hold %s: %q", w.pid, word, cmdline)
			}
		}
	}
}

// sameMemory says whether processes a and b share their memory (kcmp
// KCMP_VM).
func sameMemory(t *testing.T, a, b int) bool {
	const kcmpVM = 1
	r, _, errno := unix.Syscall6(unix.SYS_KCMP, uintptr(a), uintptr(b), kcmpVM, 0, 0, 0)
	if errno != 0 {
		t.Fatalf("kcmp %d %d: %v", a, b, errno)
	}
	return r == 0
}
