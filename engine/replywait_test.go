package engine

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// Messages a node sends while a caller reads its socket for its own reply
// reach whoever waits for them: here a child's exit event, which comes
// from the root while another goroutine keeps calling the root.
func TestEventWhileCallerReads(t *testing.T) {
	e, ctx := start(t)
	pid := call(t, e, ctx, nil, "spawn", "sh", []any{"sh", "-c", "sleep 0.05; exit 3"}).(int64)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := e.Call(ctx, nil, "getpid", nil); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	ev := event(t, e, ctx, []int{int(pid)})
	close(stop)
	wg.Wait()
	if builtins.Format(ev) != "{exit_status: 3}" {
		t.Fatalf("event = %s", builtins.Format(ev))
	}
}

// Callers of one node from several goroutines each get their own reply.
func TestConcurrentCallsOneNode(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "chdir", "/tmp")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				name, want := "getpid", any(int64(leaf(c)))
				if i%2 == 1 {
					name, want = "getcwd", any("/tmp")
				}
				if v, err := e.Call(ctx, c, name, nil); err != nil || v != want {
					t.Errorf("%s: %v, %v; want %v", name, v, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// A node that stays silent past the call's deadline fails the call, and a
// late reply is dropped; the node then answers the next call.
func TestCallDeadlineWhileNodeStopped(t *testing.T) {
	e, ctx := start(t)
	c := booted(t, e, ctx, nil)
	call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigstop"))
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := e.Call(short, c, "getpid", nil); err == nil {
		t.Fatal("a stopped node answered")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the call gave up after %v", d)
	}
	call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigcont"))
	if pid := call(t, e, ctx, c, "getpid"); pid != int64(leaf(c)) {
		t.Fatalf("getpid after the timeout = %v", pid)
	}
}

// Replies wake nobody but their caller: calls leave the poller asleep
// (no registration changes, no ring), and an event wakes it.
func TestRepliesDoNotWakePoller(t *testing.T) {
	e, ctx := start(t)
	c := booted(t, e, ctx, nil)
	before := e.poller.wakes.Load()
	for i := 0; i < 200; i++ {
		call(t, e, ctx, c, "getpid")
		call(t, e, ctx, nil, "getppid")
	}
	if n := e.poller.wakes.Load() - before; n != 0 {
		t.Fatalf("400 calls woke the poller %d times", n)
	}
	call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigusr1"))
	for deadline := time.Now().Add(5 * time.Second); e.poller.wakes.Load() == before; {
		if time.Now().After(deadline) {
			t.Fatal("the node's event did not wake the poller")
		}
		time.Sleep(time.Millisecond)
	}
	if ev := builtins.Format(event(t, e, ctx, c)); ev != `{signal: "sigusr1"}` {
		t.Fatalf("event = %s", ev)
	}
}

// With GOMAXPROCS 1 a caller's wait for its reply holds the one P (a
// RawSyscall, see waitReply), but not for long: a call to a node that
// does not answer (stopped) leaves other goroutines the P every few ms,
// not after the call's 300 ms. (Two things see to it: a wait that runs
// out turns into a Syscall, and the runtime's preemption interrupts a
// RawSyscall past 10 ms.)
func TestSlowCallLeavesOtherGoroutines(t *testing.T) {
	e, ctx := start(t)
	c := booted(t, e, ctx, nil)
	pid := e.hostPid(t, c)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	unix.Kill(pid, unix.SIGSTOP)
	waitStopped(t, pid)
	defer unix.Kill(pid, unix.SIGCONT)
	var err error
	w := longestWaitDuring(func() {
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		_, err = e.Call(short, c, "getpid", nil)
		cancel()
	})
	if err == nil {
		t.Fatal("a stopped node answered")
	}
	if w > 100*time.Millisecond {
		t.Fatalf("another goroutine waited %v while the call waited 300 ms", w)
	}
}

// The same for a wait for an event (waitEvent), which may never come.
func TestSlowEventLeavesOtherGoroutines(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var ev any
	w := longestWaitDuring(func() { ev = call(t, e, ctx, c, "event", int64(300)) })
	if ev != nil {
		t.Fatalf("an idle node sent %s", builtins.Format(ev))
	}
	if w > 100*time.Millisecond {
		t.Fatalf("another goroutine waited %v while an event was awaited 300 ms", w)
	}
}

// longestWaitDuring runs f while another goroutine, which only needs the
// P now and then (every ms), measures its longest wait for it.
func longestWaitDuring(f func()) time.Duration {
	stop := make(chan struct{})
	worst := make(chan time.Duration, 1)
	go func() {
		var most time.Duration
		last := time.Now()
		for {
			select {
			case <-stop:
				worst <- most
				return
			case <-time.After(time.Millisecond):
			}
			most = max(most, time.Since(last))
			last = time.Now()
		}
	}()
	time.Sleep(10 * time.Millisecond)
	f()
	close(stop)
	return <-worst
}
