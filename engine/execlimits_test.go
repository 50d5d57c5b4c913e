package engine

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
)

const gib = 1 << 30

// asLimit reads "Max address space" from a limits file's text.
func asLimit(limits string) string {
	for _, line := range strings.Split(limits, "\n") {
		if strings.HasPrefix(line, "Max address space") {
			return strings.Join(strings.Fields(line)[3:5], " ")
		}
	}
	return "?"
}

// RLIMIT_AS set on a node is kept for its programs: the node, whose Go
// runtime reserves more than 1 GiB of address space, never runs under it
// (it died there: "runtime: cannot allocate memory"), and every program
// it runs does, whether exec'd by a forked child, by a booted grandchild
// or spawned. Twenty runlet-style cycles each time, and the node lives.
func TestRlimitASIsForPrograms(t *testing.T) {
	noRaceBuild(t, "execs under the RLIMIT_AS of 1 GiB set just before: ThreadSanitizer, which may map more then, ran out of memory there (exit 66)")
	e, ctx := start(t)
	c := booted(t, e, ctx, nil)
	lim := builtins.Record{"cur": int64(gib), "max": int64(gib)}
	call(t, e, ctx, c, "setrlimit", builtins.Const("rlimit_as"), lim)
	if got := builtins.Format(call(t, e, ctx, c, "getrlimit", builtins.Const("rlimit_as"))); got != "{cur: 1073741824, max: 1073741824}" {
		t.Fatalf("getrlimit rlimit_as = %s", got)
	}
	want := "1073741824 1073741824"
	for i := 0; i < 20; i++ {
		g := fork(t, e, ctx, c)
		call(t, e, ctx, g, "execvp", "/bin/cat", []any{"cat", "/proc/self/limits"})
		if got := asLimit(outputOf(t, e, g)); got != want {
			t.Fatalf("cycle %d: the program's address space limit: %q, want %q", i, got, want)
		}
	}
	limits, err := os.ReadFile("/proc/" + strconv.Itoa(e.hostPid(t, c)) + "/limits")
	if err != nil {
		t.Fatal(err)
	}
	if got := asLimit(string(limits)); got != "unlimited unlimited" {
		t.Errorf("the node itself runs under %q", got)
	}
	g := booted(t, e, ctx, c) // a child node inherits the limit for its programs
	if got := builtins.Format(call(t, e, ctx, g, "getrlimit", builtins.Const("rlimit_as"))); got != "{cur: 1073741824, max: 1073741824}" {
		t.Fatalf("a child node's getrlimit rlimit_as = %s", got)
	}
	call(t, e, ctx, g, "execvp", "/bin/cat", []any{"cat", "/proc/self/limits"})
	if got := asLimit(outputOf(t, e, g)); got != want {
		t.Fatalf("a booted child's program: %q, want %q", got, want)
	}
	pid := call(t, e, ctx, c, "spawn", "cat", []any{"cat", "/proc/self/limits"}, builtins.Record{}).(int64)
	if got := asLimit(outputOf(t, e, append(append([]int(nil), c...), int(pid)))); got != want {
		t.Fatalf("a spawned program: %q, want %q", got, want)
	}
	call(t, e, ctx, c, "execvp", "/bin/cat", []any{"cat", "/proc/self/limits"})
	if got := asLimit(outputOf(t, e, c)); got != want {
		t.Fatalf("the node's own exec: %q, want %q", got, want)
	}
}

// outputOf waits for pl's exit event and returns all it wrote on stdout.
func outputOf(t *testing.T, e *Engine, pl []int) string {
	t.Helper()
	_, ctx := e, t.Context()
	ev := event(t, e, ctx, pl)
	if rec, _ := ev.(builtins.Record); rec["exit_status"] != int64(0) {
		t.Fatalf("%v ended with %v", pl, ev)
	}
	return call(t, e, ctx, pl, "stdout", int64(0)).(string)
}

// The node's own exec under an RLIMIT_AS kept for programs: its argument
// and environment arrays are made before the limit is set. With 6 MB of
// environment, whose C strings grew the Go heap once the limit was set,
// the node died there (exit status 2, "runtime: cannot allocate memory")
// instead of running the program.
func TestRlimitASExecWithLargeEnvironment(t *testing.T) {
	noRaceBuild(t, "execs under the RLIMIT_AS of 1 GiB set just before: ThreadSanitizer, which may map more then, ran out of memory there (exit 66)")
	e, ctx := start(t)
	c := booted(t, e, ctx, nil)
	// room for it in the exec (the kernel takes a quarter of the stack's limit)
	stack := builtins.Record{"cur": int64(64 << 20), "max": int64(64 << 20)}
	call(t, e, ctx, c, "setrlimit", builtins.Const("rlimit_stack"), stack)
	for i := range 60 {
		call(t, e, ctx, c, "setenv", fmt.Sprintf("BIG%d", i), strings.Repeat("x", 100_000), int64(1))
	}
	lim := builtins.Record{"cur": int64(gib), "max": int64(gib)}
	call(t, e, ctx, c, "setrlimit", builtins.Const("rlimit_as"), lim)
	call(t, e, ctx, c, "execvp", "/bin/sh", []any{"sh", "-c", "env | grep -c ^BIG"})
	if got := outputOf(t, e, c); got != "60\n" {
		t.Fatalf("the program printed %q", got)
	}
}
