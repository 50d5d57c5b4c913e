package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// Load and faults: nothing is lost or leaked with many nodes, many
// cycles, many callers, nodes killed under load, a flood of output, a
// storm of signals.

// raiseRootNofile lets the root hold want children (a lifeline fd each):
// its soft RLIMIT_NOFILE is the driver's user's, often 1024.
func raiseRootNofile(t *testing.T, e *Engine, ctx context.Context, want int64) {
	t.Helper()
	lim := call(t, e, ctx, nil, "getrlimit", builtins.Const("rlimit_nofile")).(builtins.Record)
	hard, ok := lim["max"].(int64)
	if ok && hard < want {
		testutil.Missing(t, fmt.Sprintf("RLIMIT_NOFILE hard limit %d is below %d", hard, want), "RLIMIT_NOFILE too low")
	}
	call(t, e, ctx, nil, "setrlimit", builtins.Const("rlimit_nofile"), builtins.Record{"cur": want, "max": lim["max"]})
}

// A thousand booted nodes at once, each answering with its own pid.
func TestThousandBootedNodes(t *testing.T) {
	testutil.RequirePrivileged(t) // 1000 processes
	n := 1000
	if proto.RaceEnabled { // a race build's nodes are full ones, with the race runtime's memory each
		n = 100
	}
	e, _ := start(t)
	ctx := longer(t, time.Minute)
	began := time.Now()
	call(t, e, ctx, nil, "setopt", builtins.Const("maxchild"), int64(n+10))
	raiseRootNofile(t, e, ctx, int64(4*n))
	nodes := make([][]int, n)
	for i := range nodes {
		nodes[i] = fork(t, e, ctx, nil)
		bootNode(t, e, ctx, nodes[i]) // not a proto-node call: it boots
	}
	t.Logf("%d nodes booted in %v", n, time.Since(began).Round(time.Millisecond))
	if got := len(e.Processes()); got != n+1 {
		t.Fatalf("%d processes, want %d", got, n+1)
	}
	for _, pl := range nodes {
		pid := call(t, e, ctx, pl, "getpid").(int64)
		if int(pid) != e.hostPid(t, pl) {
			t.Fatalf("node %v answers getpid %d, host pid %d", pl, pid, e.hostPid(t, pl))
		}
		if !bootedNode(t, int(pid)) {
			t.Fatalf("node %v (pid %d) is not a booted node", pl, pid)
		}
	}
}

// longer is a context for a test whose calls add up past testTimeout.
func longer(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// bootedNode: a booted node runs a Go runtime (several threads); a
// proto-node has one.
func bootedNode(t *testing.T, pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	return !bytes.Contains(b, []byte("\nThreads:\t1\n"))
}

// Fork, exec, exit cycles: the driver's fd and goroutine counts at the end
// are those after the first hundred cycles.
func TestForkExecExitCyclesLeakNothing(t *testing.T) {
	cycles := 10000
	switch {
	case proto.RaceEnabled: // full nodes, each with the race runtime to start
		cycles = 300
	case testing.Short():
		cycles = 1000
	}
	e, _ := start(t)
	ctx := longer(t, 5*time.Minute)
	began := time.Now()
	var fds, goroutines int
	for i := range cycles {
		if i == 100 {
			fds, goroutines = settledCounts(t, 0, 0)
		}
		c := fork(t, e, ctx, nil)
		if _, err := e.Call(ctx, c, "execvp", []any{"/bin/true", []any{"true"}}); err != nil {
			t.Fatalf("cycle %d (%v in): execvp: %v", i, time.Since(began).Round(time.Millisecond), err)
		}
		if ev := builtins.Format(event(t, e, ctx, c)); ev != "{exit_status: 0}" {
			t.Fatalf("cycle %d: event %s", i, ev)
		}
	}
	t.Logf("%d cycles in %v", cycles, time.Since(began).Round(time.Millisecond))
	gotFds, gotG := settledCounts(t, fds, goroutines)
	if gotFds != fds || gotG != goroutines {
		t.Fatalf("after %d cycles: %d fds and %d goroutines; after 100: %d and %d", cycles, gotFds, gotG, fds, goroutines)
	}
}

// settledCounts is the driver's fd and goroutine counts once they are
// wantFds and wantG, or after 2 s (a last child's streams close just
// after its exit event).
func settledCounts(t *testing.T, wantFds, wantG int) (int, int) {
	deadline := time.Now().Add(2 * time.Second)
	for {
		fds := testutil.FdCount(t, "self")
		g := runtime.NumGoroutine()
		if (fds == wantFds && g == wantG) || time.Now().After(deadline) {
			return fds, g
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// loadNodes forks n booted nodes and returns their pipelines and pids.
func loadNodes(t *testing.T, e *Engine, ctx context.Context, n int) ([][]int, []int) {
	t.Helper()
	call(t, e, ctx, nil, "setopt", builtins.Const("maxchild"), int64(n+10))
	nodes := make([][]int, n)
	pids := make([]int, n)
	for i := range nodes {
		nodes[i] = fork(t, e, ctx, nil)
		bootNode(t, e, ctx, nodes[i])
		pids[i] = e.hostPid(t, nodes[i])
	}
	return nodes, pids
}

// hammer makes calls into node pl until stop closes: getpid (which must
// answer pid), getcwd, and a short write and read through a pipe of the
// node's. It returns the calls made, and the first error.
func hammer(ctx context.Context, e *Engine, pl []int, pid int, stop <-chan struct{}) (int, error) {
	calls := 0
	for {
		select {
		case <-stop:
			return calls, nil
		default:
		}
		v, err := e.Call(ctx, pl, "getpid", nil)
		if err != nil {
			return calls, err
		}
		if v.(int64) != int64(pid) {
			return calls, fmt.Errorf("getpid %v answered %d, want %d", pl, v, pid)
		}
		if _, err := e.Call(ctx, pl, "getcwd", nil); err != nil {
			return calls, err
		}
		calls += 2
	}
}

// 32 goroutines call into 32 nodes at once, each into its own and, every
// other one, into a shared one as well: every reply is the right one, and
// nothing deadlocks (the context bounds it).
func TestManyCallersManyNodes(t *testing.T) {
	e, ctx := start(t)
	nodes, pids := loadNodes(t, e, ctx, 32)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var total atomic.Int64
	for i := range 32 {
		wg.Go(func() {
			target := i
			if i%2 == 1 {
				target = 0 // node 0 has 17 callers
			}
			n, err := hammer(ctx, e, nodes[target], pids[target], stop)
			total.Add(int64(n))
			if err != nil {
				t.Errorf("caller %d: %v", i, err)
			}
		})
	}
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	if total.Load() < 32 {
		t.Fatalf("only %d calls in 2 s", total.Load())
	}
	t.Logf("%d calls from 32 goroutines in 2 s", total.Load())
}

// Nodes killed by SIGKILL from outside while 32 goroutines call into
// them: each death is reported once, as {termsig: sigkill}; the calls into
// a killed node fail with ErrExited (or ECONNRESET-like ends, never a
// hang); the other nodes answer every call.
func TestSigkillUnderLoad(t *testing.T) {
	e, ctx := start(t)
	nodes, pids := loadNodes(t, e, ctx, 32)
	var mu sync.Mutex
	deaths := map[string][]string{}
	e.Watch(func(m builtins.Message) {
		if m.Kind == "event" {
			mu.Lock()
			deaths[fmt.Sprint(m.Pipeline)] = append(deaths[fmt.Sprint(m.Pipeline)], builtins.Format(m.Data))
			mu.Unlock()
		}
	})
	victims := map[int]bool{}
	for len(victims) < 8 {
		victims[rand.IntN(32)] = true
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			_, err := hammer(ctx, e, nodes[i], pids[i], stop)
			switch {
			case err == nil:
			case !victims[i]:
				t.Errorf("node %d, not killed: %v", i, err)
			case !errors.Is(err, builtins.ErrExited) && !errors.Is(err, builtins.ErrBadPid):
				t.Errorf("node %d, killed: the call failed with %v, want ErrExited or ErrBadPid", i, err)
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	for v := range victims {
		unix.Kill(pids[v], unix.SIGKILL)
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	testutil.WaitDead(t, victimPids(pids, victims)...)
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(deaths) >= len(victims) })
	time.Sleep(100 * time.Millisecond) // a second report would come now
	mu.Lock()
	defer mu.Unlock()
	for i, pl := range nodes {
		evs := deaths[fmt.Sprint(pl)]
		switch {
		case victims[i] && (len(evs) != 1 || evs[0] != `{termsig: "sigkill"}`):
			t.Errorf("killed node %v: events %v, want one {termsig: sigkill}", pl, evs)
		case !victims[i] && len(evs) != 0:
			t.Errorf("node %v, not killed: events %v", pl, evs)
		}
	}
	if got := len(e.Processes()); got != 1+32-len(victims) {
		t.Errorf("%d processes left, want %d", got, 1+32-len(victims))
	}
}

func victimPids(pids []int, victims map[int]bool) []int {
	var out []int
	for v := range victims {
		out = append(out, pids[v])
	}
	return out
}

// waitFor waits up to 10 s for cond.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A program writes 1 MiB to stdout, then 1 GiB to stderr, then a last
// line to stdout, while nobody takes its stdout until it has exited: the
// driver reads both pipes whatever is taken, so the program never blocks
// on its stdout pipe; every byte of stderr arrives, in order (all zeros),
// the exit event comes after the last of it, and stdout then holds all
// of its output.
func TestGigabyteStderrWhileStdoutUntaken(t *testing.T) {
	if testing.Short() {
		t.Skip("1 GiB")
	}
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "execvp", "/bin/sh", []any{"sh", "-c",
		"head -c 1048576 /dev/zero; head -c 1073741824 /dev/zero >&2; echo end"})
	var got int64
	for got < 1<<30 {
		s := call(t, e, ctx, c, "stderr", int64(10000)).(string)
		if s == "" {
			t.Fatalf("stderr stalled after %d bytes", got)
		}
		if strings.Count(s, "\x00") != len(s) {
			t.Fatalf("a byte other than zero in stderr after %d bytes", got)
		}
		got += int64(len(s))
	}
	if got != 1<<30 {
		t.Fatalf("stderr: %d bytes, want %d", got, 1<<30)
	}
	if ev := builtins.Format(event(t, e, ctx, c)); ev != "{exit_status: 0}" {
		t.Fatalf("event %s", ev)
	}
	out := call(t, e, ctx, c, "stdout", int64(0)).(string)
	if len(out) != 1<<20+4 || out[1<<20:] != "end\n" || strings.Count(out, "\x00") != 1<<20 {
		t.Fatalf("stdout: %d bytes ending %q, want 1 MiB of zeros and end", len(out), out[max(0, len(out)-4):])
	}
	if s := call(t, e, ctx, c, "stderr", int64(0)).(string); s != "" {
		t.Fatalf("%d more bytes of stderr after the exit event", len(s))
	}
}

// Signals sent to nodes at a high rate while they serve calls: the node's
// syscalls see EINTR all the time and retry; every call succeeds and
// answers right, forks included. SIGURG (the Go runtime's own), SIGCHLD
// and SIGWINCH run handlers or are ignored; SIGUSR1 comes as events.
func TestSignalStormDuringCalls(t *testing.T) {
	e, ctx := start(t)
	nodes, pids := loadNodes(t, e, ctx, 4)
	stop := make(chan struct{})
	var sent atomic.Int64
	var storm sync.WaitGroup
	storm.Go(func() {
		sigs := []unix.Signal{unix.SIGURG, unix.SIGCHLD, unix.SIGWINCH, unix.SIGUSR1, unix.SIGCONT}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			for _, pid := range pids {
				unix.Kill(pid, sigs[i%len(sigs)])
				sent.Add(1)
			}
			if i%64 == 0 {
				runtime.Gosched()
			}
		}
	})
	var wg sync.WaitGroup
	for i, pl := range nodes {
		wg.Go(func() {
			for j := 0; j < 30; j++ {
				if err := stormRound(ctx, e, pl, pids[i]); err != nil {
					t.Errorf("node %d, round %d: %v", i, j, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	storm.Wait()
	t.Logf("%d signals sent", sent.Load())
	for i, pl := range nodes { // SIGUSR1 came as events, the nodes live on
		if v, err := e.Call(ctx, pl, "getpid", nil); err != nil || v.(int64) != int64(pids[i]) {
			t.Errorf("node %v after the storm: %v, %v", pl, v, err)
		}
	}
}

// stormRound: calls that block in the kernel a little (fork to ready,
// a child's exit, reads of /proc), each of which a signal may interrupt.
func stormRound(ctx context.Context, e *Engine, pl []int, pid int) error {
	if v, err := e.Call(ctx, pl, "getpid", nil); err != nil || v.(int64) != int64(pid) {
		return fmt.Errorf("getpid: %v, %v", v, err)
	}
	fd, err := e.Call(ctx, pl, "open", []any{"/proc/self/stat", []any{builtins.Const("o_rdonly")}})
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	s, err := e.Call(ctx, pl, "read", []any{fd, int64(4096)})
	if err != nil || !bytes.HasPrefix([]byte(s.(string)), fmt.Appendf(nil, "%d ", pid)) {
		return fmt.Errorf("read: %q, %v", s, err)
	}
	if _, err := e.Call(ctx, pl, "close", []any{fd}); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	child, err := e.Call(ctx, pl, "fork", nil)
	if err != nil {
		return fmt.Errorf("fork: %w", err)
	}
	cpl := append(append([]int(nil), pl...), int(child.(int64)))
	if _, err := e.Call(ctx, cpl, "exit", []any{int64(3)}); err != nil {
		return fmt.Errorf("exit: %w", err)
	}
	return nil
}
