package engine

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/alsh/alsh/builtins"
)

// Stress (alcove.md §8.17): thousands of sequential calls, repeated
// fork/exit cycles, and neither the driver nor the node gains an fd or a
// child on the way.
func TestStressCallsAndForkCycles(t *testing.T) {
	if testing.Short() {
		t.Skip("stress")
	}
	e, ctx := start(t)
	before := fdCount(t, "self")
	rootFds := fdCount(t, e.root.hostPid)
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
	if got := fdCount(t, "self"); got != before {
		t.Fatalf("driver fds: %d before the cycles, %d after", before, got)
	}
	if got := fdCount(t, e.root.hostPid); got != rootFds {
		t.Fatalf("root node fds: %d before the cycles, %d after", rootFds, got)
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
