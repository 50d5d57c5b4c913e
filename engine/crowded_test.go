package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// crowdAll makes every call of the test crowded (ctlConn.crowd), from
// before its engine starts to after it closed.
func crowdAll(t *testing.T) {
	allCrowded.Store(true)
	t.Cleanup(func() { allCrowded.Store(false) })
}

// A crowded call to a node that stays silent fails at its deadline, the
// late reply is dropped, and the node answers the next call; a crowded
// call waiting for a node that is killed fails with ErrExited.
func TestCrowdedCallEnds(t *testing.T) {
	crowdAll(t)
	e, ctx := start(t)
	c := booted(t, e, ctx, nil)
	call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigstop"))
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	started := time.Now()
	if _, err := e.Call(short, c, "getpid", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a stopped node's call: %v", err)
	}
	if d := time.Since(started); d > 2*time.Second {
		t.Fatalf("the call gave up after %v", d)
	}
	call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigcont"))
	if pid := call(t, e, ctx, c, "getpid"); pid != int64(leaf(c)) {
		t.Fatalf("getpid after the timeout = %v", pid)
	}
	call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigstop"))
	failed := make(chan error)
	go func() {
		_, err := e.Call(ctx, c, "getpid", nil)
		failed <- err
	}()
	time.Sleep(20 * time.Millisecond) // the call is sent, its caller waits
	call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigkill"))
	select {
	case err := <-failed:
		if !errors.Is(err, builtins.ErrExited) {
			t.Fatalf("a call to the killed node: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a call to the killed node still waits")
	}
}

// After a crowded call a node does not spin for the next: it goes to
// sleep in recvmsg (awaitCalls) at once. A node that spun after the call
// slept only in epoll_wait, after its spin (its tries are non-blocking
// reads), so /proc's wchan never showed it waiting for a packet.
func TestCrowdedCallsLeaveNodesAsleep(t *testing.T) {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) != nil || set.Count() < 2 {
		t.Skip("on one CPU nodes never spin")
	}
	crowdAll(t)
	e, ctx := start(t)
	c := booted(t, e, ctx, nil)
	wchan := fmt.Sprintf("/proc/%d/wchan", e.hostPid(t, c))
	const calls = 20
	inRecv := 0
	for range calls {
		call(t, e, ctx, c, "getpid")
		if firstSleep(t, wchan) == "__skb_wait_for_more_packets" {
			inRecv++
		}
		time.Sleep(5 * time.Millisecond) // its wait ends (a tick), and it goes back to epoll
	}
	if inRecv < calls/2 {
		t.Fatalf("after %d of %d crowded calls the node slept first in recvmsg", inRecv, calls)
	}
}

// After a crowded call a proto-node does not spin for the next either: it
// goes to ppoll at once. Its time on a CPU shows it (/proc's schedstat,
// in ns): a proto-node that spins for spin.Node after each reply spends
// up to 50 µs more a call than one that does not. (Its state just after
// a reply, R or S, told the same until the VM was loaded: a runnable
// process is R too.)
func TestCrowdedCallsLeaveProtoNodesIdle(t *testing.T) {
	needProto(t)
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) != nil || set.Count() < 2 {
		t.Skip("on one CPU nodes never spin")
	}
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	pid := e.hostPid(t, c)
	const calls = 100
	cpuPerCall := func() time.Duration {
		before := onCPU(t, pid)
		for range calls {
			call(t, e, ctx, c, "getpid")
			time.Sleep(time.Millisecond) // its spin, if any, ends
		}
		return (onCPU(t, pid) - before) / calls
	}
	spinning := cpuPerCall()
	if spinning < 15*time.Microsecond {
		t.Skipf("the proto-node spent %v a call only: the CPUs are too busy for its spins to show", spinning)
	}
	crowdAll(t)
	crowded := cpuPerCall()
	if !isProto(t, e, c) {
		t.Fatal("the child booted")
	}
	t.Logf("time on a CPU a call: %v, %v crowded", spinning, crowded)
	if crowded > spinning/2 {
		t.Fatalf("a crowded call cost the proto-node %v on a CPU, a call not crowded %v: it spun", crowded, spinning)
	}
}

// onCPU is the time pid's main thread has run on a CPU.
func onCPU(t *testing.T, pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
	if err != nil {
		t.Fatal(err)
	}
	var ns int64
	if _, err := fmt.Sscan(string(b), &ns); err != nil {
		t.Fatalf("schedstat %q: %v", b, err)
	}
	return time.Duration(ns)
}

// firstSleep is where the process of wchan sleeps first from now: the
// kernel function /proc shows ("" if it did not within 100 ms).
func firstSleep(t *testing.T, wchan string) string {
	for deadline := time.Now().Add(100 * time.Millisecond); time.Now().Before(deadline); {
		b, err := os.ReadFile(wchan)
		if err != nil {
			t.Fatal(err)
		}
		if w := strings.TrimSpace(string(b)); w != "" && w != "0" {
			return w
		}
	}
	return ""
}
