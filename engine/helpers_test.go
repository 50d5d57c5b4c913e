package engine

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// testTimeout bounds every test's calls (STYLE rule 20).
const testTimeout = 20 * time.Second

// start starts an engine for one test and closes it at the end, checking
// that Close leaves no process of the tree behind.
func start(t testing.TB) (*Engine, context.Context) {
	t.Helper()
	timeout := testTimeout
	if _, bench := t.(*testing.B); bench {
		timeout = 10 * time.Minute // a benchmark's calls add up
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	e, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pids := livePids(e)
		e.Close()
		for _, pid := range pids {
			if testutil.Alive(pid) {
				t.Errorf("process %d survived Close", pid)
			}
		}
	})
	return e, ctx
}

func livePids(e *Engine) []int {
	var pids []int
	for _, p := range e.Processes() {
		pids = append(pids, p.HostPid)
	}
	return pids
}

// call performs a call that must succeed.
func call(t testing.TB, e *Engine, ctx context.Context, pl []int, name string, args ...any) any {
	t.Helper()
	v, err := e.Call(ctx, pl, name, args)
	if err != nil {
		t.Fatalf("%s %v: %v", name, pl, err)
	}
	return v
}

// bootCall is a call no proto-node serves (the node's own option), with
// its arguments: made to a fork child, it boots it into a node.
var bootCall = []any{"getopt", builtins.Const("maxchild")}

// bootNode makes pl's proto-node boot (nothing, to a node).
func bootNode(t testing.TB, e *Engine, ctx context.Context, pl []int) {
	t.Helper()
	call(t, e, ctx, pl, bootCall[0].(string), bootCall[1:]...)
}

// fork forks a child of pl and returns the child's pipeline.
func fork(t testing.TB, e *Engine, ctx context.Context, pl []int) []int {
	t.Helper()
	pid := call(t, e, ctx, pl, "fork").(int64)
	return append(append([]int(nil), pl...), int(pid))
}

// chain forks a pipeline n deep.
func chain(t testing.TB, e *Engine, ctx context.Context, n int) []int {
	var pl []int
	for i := 0; i < n; i++ {
		pl = fork(t, e, ctx, pl)
	}
	return pl
}

func leaf(pl []int) int { return pl[len(pl)-1] }

// event waits for the next event of pl.
func event(t testing.TB, e *Engine, ctx context.Context, pl []int) any {
	t.Helper()
	return call(t, e, ctx, pl, "event", int64(10000))
}

func isErrno(err error, want unix.Errno) bool { return errors.Is(err, want) }

// hostPid is the pid of pl's process as the driver sees it.
func (e *Engine) hostPid(t testing.TB, pl []int) int {
	t.Helper()
	p := e.proc(t, pl)
	e.mu.Lock()
	defer e.mu.Unlock()
	return p.hostPid
}

// proc is the process pl names, which must be live.
func (e *Engine) proc(t testing.TB, pl []int) *proc {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	p, err := e.resolve(pl)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// mustTake takes c's read token, which nobody else may hold.
func mustTake(t testing.TB, c *ctlConn) {
	t.Helper()
	if !c.take() {
		t.Fatal("the read token is taken")
	}
}

// pinOneCPU runs the process, and the nodes it starts from now on, on CPU
// 0, with GOMAXPROCS 1 as under taskset (Go reads the affinity at start
// only: with two Ps, every wake-up also wakes an idle thread that can
// only wait for the one CPU). The caller's goroutine stays on its thread,
// pinned first: a node it starts, by a fork of that thread, then surely
// inherits the one CPU (a thread the runtime started while the others
// were pinned might not have). It returns what undoes it, to be called on
// the same goroutine.
func pinOneCPU(tb testing.TB) (undo func()) {
	var one, all unix.CPUSet
	one.Set(0)
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		tb.Fatal(err)
	}
	runtime.LockOSThread()
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		tb.Fatal(err)
	}
	setAffinity(&one)
	old := runtime.GOMAXPROCS(1)
	return func() {
		runtime.GOMAXPROCS(old)
		setAffinity(&all)
		runtime.UnlockOSThread()
	}
}

func setAffinity(set *unix.CPUSet) {
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, t := range tasks {
		tid, _ := strconv.Atoi(t.Name())
		unix.SchedSetaffinity(tid, set)
	}
}

// withFd runs f with the stream's fd, dormant or started (mu not held).
func (s *stream) withFd(f func(fd int)) {
	s.mu.Lock()
	rc, fd := s.rc, s.fd
	s.mu.Unlock()
	if rc != nil {
		rc.Control(func(v uintptr) { f(int(v)) })
	} else if fd >= 0 {
		f(fd)
	}
}
