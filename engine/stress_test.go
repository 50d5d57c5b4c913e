package engine

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// Stress (alcove.md §8.17): thousands of sequential calls, repeated
// fork/exit cycles, and neither the driver nor the node gains an fd or a
// child on the way.
func TestStressCallsAndForkCycles(t *testing.T) {
	if testing.Short() {
		t.Skip("stress")
	}
	e, ctx := start(t)
	bootNode(t, e, ctx, nil) // the root node's fds (a root proto-node boots at its second fork)
	before := testutil.FdCount(t, "self")
	rootFds := fdLinks(t, e.root.hostPid)
	for i := 0; i < 3000; i++ {
		call(t, e, ctx, nil, "getpid")
	}
	for i := 0; i < 100; i++ {
		c := fork(t, e, ctx, nil)
		if i%2 == 0 {
			call(t, e, ctx, c, "exit", int64(i%7))
		} else {
			call(t, e, ctx, c, "execvp", "/bin/true", []any{"true"})
		}
		ev := event(t, e, ctx, c)
		want := fmt.Sprintf("{exit_status: %d}", i%7)
		if i%2 == 1 {
			want = "{exit_status: 0}"
		}
		if builtins.Format(ev) != want {
			t.Fatalf("cycle %d: event %s, want %s", i, builtins.Format(ev), want)
		}
	}
	if n := len(e.Processes()); n != 1 {
		t.Fatalf("%d processes after the cycles, want the root alone", n)
	}
	// The last child's fds close as its streams see EOF, just after its
	// exit event: give them a moment.
	if got := settledFdCount(t, "self", before); got != before {
		t.Fatalf("driver fds: %d before the cycles, %d after", before, got)
	}
	// The root's Go runtime opens its netpoller (an epoll fd and an
	// eventfd) at its first timer, after its first collection. And a node
	// that forked holds the next fork's plumbing, made ahead: a
	// socketpair, four pipes and a bell (refillPlumbing). And the root
	// replaces its binary's fd with the sealed memfd copy at its first
	// child (ensureExe).
	after := fdLinks(t, e.root.hostPid)
	allowed := map[string]int{"socket": 2, "pipe": 8, "anon_inode:[eventfd]": 2, "anon_inode:[eventpoll]": 1,
		"/memfd:alsh (deleted)": 1}
	for fd, link := range after {
		if rootFds[fd] == link {
			continue
		}
		kind, _, _ := strings.Cut(link, ":[")
		if strings.HasPrefix(link, "anon_inode") {
			kind = link
		}
		if allowed[kind]--; allowed[kind] < 0 {
			t.Errorf("root node fd %s is %s after the cycles, %q before", fd, link, rootFds[fd])
		}
	}
}

// fdLinks maps a process's fds to what they are.
func fdLinks(t *testing.T, pid int) map[string]string {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]string{}
	for _, en := range ents {
		links[en.Name()], _ = os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, en.Name()))
	}
	return links
}

// settledFdCount is proc's fd count once it is want, or after 2 s.
func settledFdCount(t *testing.T, proc any, want int) int {
	deadline := time.Now().Add(2 * time.Second)
	for {
		got := testutil.FdCount(t, proc)
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(time.Millisecond)
	}
}

// Replies from several nodes read at once each arrive intact (the driver
// reads each into a buffer from a shared pool).
func TestConcurrentRepliesIntact(t *testing.T) {
	e, ctx := start(t)
	const n = 4
	var nodes [n][]int
	for i := range nodes {
		nodes[i] = fork(t, e, ctx, nil)
		call(t, e, ctx, nodes[i], "setenv", "V", strings.Repeat(string(rune('a'+i)), 60000), int64(1))
	}
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := strings.Repeat(string(rune('a'+i)), 60000)
			for range 300 {
				v, err := e.Call(ctx, nodes[i], "getenv", []any{"V"})
				if err != nil || v != want {
					errs <- fmt.Sprintf("node %d: %v, %d bytes", i, err, len(fmt.Sprint(v)))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

// The plumbing a node makes ahead of its next fork (refillPlumbing) is let
// go of at a call that may change what a child inherits: with its soft
// RLIMIT_NOFILE lowered, a node's fork fails as it would without it.
func TestForkPlumbingFollowsNofile(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "exit", int64(0))
	event(t, e, ctx, c) // the root has forked: its next plumbing is made
	lim := call(t, e, ctx, nil, "getrlimit", builtins.Const("rlimit_nofile")).(builtins.Record)
	call(t, e, ctx, nil, "setrlimit", builtins.Const("rlimit_nofile"), builtins.Record{"cur": int64(8), "max": lim["max"]})
	_, err := e.Call(ctx, nil, "fork", nil)
	if err == nil || !strings.Contains(err.Error(), "too many open files") {
		t.Fatalf("fork with nofile 8: %v, want too many open files", err)
	}
	call(t, e, ctx, nil, "setrlimit", builtins.Const("rlimit_nofile"), lim)
	c = fork(t, e, ctx, nil)
	if got := call(t, e, ctx, c, "getpid"); got != int64(c[0]) {
		t.Fatalf("getpid of the child forked after: %v, want %d", got, c[0])
	}
}

// The plumbing is made again only after a fork: a node that forked once
// and then serves other calls does not make it after each of them and
// let it go at the next.
func TestForkPlumbingOnlyAfterForks(t *testing.T) {
	needProto(t) // the plumbing is a proto-node's
	e, ctx := start(t)
	bootNode(t, e, ctx, nil) // a node's: the root's, once it booted
	pipesAndSockets := func() int {
		n := 0
		for _, link := range fdLinks(t, e.root.hostPid) {
			if strings.HasPrefix(link, "socket:") || strings.HasPrefix(link, "pipe:") {
				n++
			}
		}
		return n
	}
	settlesAt := func(want int) bool { // the node makes it after its spin
		for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if pipesAndSockets() == want {
				return true
			}
		}
		return false
	}
	base := pipesAndSockets()
	cycle := func() {
		c := fork(t, e, ctx, nil)
		call(t, e, ctx, c, "exit", int64(0))
		event(t, e, ctx, c)
	}
	const plumbing = 10 // a socketpair and four pipes (the bell is an eventfd)
	cycle()
	if !settlesAt(base + plumbing) {
		t.Fatalf("after a fork the root has %d pipes and sockets, want %d", pipesAndSockets(), base+plumbing)
	}
	for i := 0; i < 5; i++ {
		call(t, e, ctx, nil, "chdir", "/")
	}
	time.Sleep(50 * time.Millisecond)
	if n := pipesAndSockets(); n != base {
		t.Fatalf("after calls that are not forks the root has %d pipes and sockets, want %d", n, base)
	}
	cycle()
	if !settlesAt(base + plumbing) {
		t.Fatalf("after the next fork the root has %d pipes and sockets, want %d", pipesAndSockets(), base+plumbing)
	}
}
