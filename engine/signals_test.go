package engine

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/node"
)

func sigaction(t *testing.T, e *Engine, pl []int, sig string, action ...any) string {
	t.Helper()
	args := append([]any{builtins.Const(sig)}, action...)
	v, err := e.Call(t.Context(), pl, "sigaction", args)
	if err != nil {
		t.Fatalf("sigaction %v %s %v: %v", pl, sig, action, err)
	}
	return string(v.(builtins.Const))
}

// alcove test 23 (signal): sig_ign, query, sig_dfl, and the kill that
// follows each.
func TestSignalAlcove23(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	if old := sigaction(t, e, c, "sigterm", builtins.Const("sig_ign")); old != "sig_info" {
		t.Fatalf("old action = %s, want sig_info", old)
	}
	if a := sigaction(t, e, c, "sigterm"); a != "sig_ign" {
		t.Fatalf("query = %s, want sig_ign", a)
	}
	call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigterm"))
	call(t, e, ctx, c, "getpid")
	if old := sigaction(t, e, c, "sigterm", builtins.Const("sig_dfl")); old != "sig_ign" {
		t.Fatalf("old action = %s, want sig_ign", old)
	}
	if a := sigaction(t, e, c, "sigterm", nil); a != "sig_dfl" {
		t.Fatalf("query = %s, want sig_dfl", a)
	}
	call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigterm"))
	if ev := builtins.Format(event(t, e, ctx, c)); ev != `{termsig: "sigterm"}` {
		t.Fatalf("event = %s", ev)
	}
	if _, err := e.Call(ctx, nil, "kill", []any{int64(leaf(c)), int64(0)}); !errors.Is(err, unix.ESRCH) {
		t.Fatalf("kill 0 after death: %v, want esrch", err)
	}
}

// sig_info, the default, reports a signal as an event of the node.
func TestSignalInfoEvent(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigusr1"))
	if ev := builtins.Format(event(t, e, ctx, c)); ev != `{signal: "sigusr1"}` {
		t.Fatalf("event = %s", ev)
	}
}

// sig_dfl is the kernel's default action: SIGUSR1 ends the node (Go's
// own default would drop it).
func TestSigactionDefaultIsKernels(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	sigaction(t, e, c, "sigusr1", builtins.Const("sig_dfl"))
	call(t, e, ctx, nil, "kill", int64(leaf(c)), builtins.Const("sigusr1"))
	if ev := builtins.Format(event(t, e, ctx, c)); ev != `{termsig: "sigusr1"}` {
		t.Fatalf("event = %s", ev)
	}
}

// The signals the node's Go runtime needs keep their handler.
func TestSigactionRuntimeSignals(t *testing.T) {
	e, ctx := start(t)
	for _, sig := range []string{"sigsegv", "sigurg", "sigprof", "sigkill"} {
		_, err := e.Call(ctx, nil, "sigaction", []any{builtins.Const(sig), builtins.Const("sig_ign")})
		if !errors.Is(err, unix.EINVAL) || !strings.Contains(err.Error(), sig) {
			t.Errorf("sigaction %s sig_ign: %v, want einval naming it", sig, err)
		}
	}
	if a := sigaction(t, e, nil, "sigsegv"); a != "sig_dfl" {
		t.Errorf("sigsegv's action after the refusal = %s", a)
	}
	call(t, e, ctx, nil, "getpid")
}

// A program inherits the signals its node ignores, whether the node
// execs it or spawns it; caught signals are back to the default there.
func TestIgnoredSignalsInherited(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	sigaction(t, e, c, "sighup", builtins.Const("sig_ign"))
	sigaction(t, e, c, "sigusr2", builtins.Const("sig_ign"))
	script := []any{"cat", "/proc/self/status"}
	pid := call(t, e, ctx, c, "spawn", "cat", script).(int64)
	p := append(append([]int(nil), c...), int(pid))
	event(t, e, ctx, p)
	spawned := call(t, e, ctx, p, "stdout").(string)
	call(t, e, ctx, c, "execvp", "cat", script)
	event(t, e, ctx, c)
	execd := call(t, e, ctx, c, "stdout").(string)
	const hupUsr2 = 1<<0 | 1<<11 // bit sig-1 of SIGHUP (1) and SIGUSR2 (12)
	for how, out := range map[string]string{"spawned": spawned, "exec'd": execd} {
		if ign := statusMask(t, out, "SigIgn"); ign&hupUsr2 != hupUsr2 {
			t.Errorf("%s program ignores %#x, not sighup and sigusr2", how, ign)
		}
		if cgt := statusMask(t, out, "SigCgt"); cgt != 0 {
			t.Errorf("%s program catches %#x", how, cgt)
		}
	}
}

// statusMask reads a signal mask line of /proc/PID/status.
func statusMask(t *testing.T, status, field string) uint64 {
	t.Helper()
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, field+":\t"); ok {
			m, err := strconv.ParseUint(v, 16, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return m
		}
	}
	t.Fatalf("no %s in\n%s", field, status)
	return 0
}

// Children inherit the actions sigaction set (alcove: memory copy).
func TestSigactionInherited(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	sigaction(t, e, c, "sighup", builtins.Const("sig_ign"))
	sigaction(t, e, c, "sigusr2", builtins.Const("sig_dfl"))
	gc := fork(t, e, ctx, c)
	if a := sigaction(t, e, gc, "sighup"); a != "sig_ign" {
		t.Fatalf("child's sighup = %s, want sig_ign", a)
	}
	if a := sigaction(t, e, gc, "sigusr2"); a != "sig_dfl" {
		t.Fatalf("child's sigusr2 = %s, want sig_dfl", a)
	}
}

// alcove test 11 (event): with sigchld at sig_info, a child's exit is
// reported as {signal: sigchld} and the child is left unreaped (the kernel
// shows a zombie) until sig_dfl reaps it.
func TestEventSigchldAlcove11(t *testing.T) {
	e, ctx := start(t)
	if old := sigaction(t, e, nil, "sigchld", builtins.Const("sig_info")); old != "sig_dfl" {
		t.Fatalf("old sigchld action = %s, want sig_dfl", old)
	}
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "exit", int64(0))
	if ev := builtins.Format(event(t, e, ctx, nil)); ev != `{signal: "sigchld"}` {
		t.Fatalf("event [] = %s", ev)
	}
	if !zombie(leaf(c)) {
		t.Fatalf("child %d was reaped with sigchld at sig_info", leaf(c))
	}
	sigaction(t, e, nil, "sigchld", builtins.Const("sig_dfl"))
	if ev := builtins.Format(event(t, e, ctx, c)); ev != "{exit_status: 0}" {
		t.Fatalf("event after sig_dfl = %s", ev)
	}
}

func zombie(pid int) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if procState(pid) == 'Z' {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// procState is the state letter of /proc/PID/stat, 0 if unreadable.
func procState(pid int) byte {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return 0
	}
	return s[i+2]
}

// On one CPU a node waits for its next call in recvmsg (awaitCalls). A
// signal taken by any of its threads must end the wait and come as an
// event at once, and the node must go on serving calls; so must a child's
// exit. The wait is made long here (10 s), so that a signal that did not
// end it would miss the events' 2 s. Each thread of the root that takes
// SIGUSR1 gets one of its own (an executed root's threads all take it; a
// booted proto-node's, the root started as one included, block it but
// for the main thread).
func TestAwaitingNodeReportsSignals(t *testing.T) {
	t.Cleanup(pinOneCPU(t))
	t.Setenv(node.CallWaitEnv, "10s")
	// Nor may the runtime's preemption end the wait (sysmon sends SIGURG
	// to a goroutine it finds running past 10 ms, as the waiting node is).
	t.Setenv("GODEBUG", "asyncpreemptoff=1")
	e, ctx := start(t)
	bootNode(t, e, ctx, nil) // a root started as a proto-node waits in ppoll until then
	pid := e.hostPid(t, nil)
	tids := threadsTaking(t, pid, unix.SIGUSR1)
	if !slices.Contains(tids, pid) {
		t.Fatalf("threads of the root taking sigusr1: %v, want the main one among them", tids)
	}
	soon := func(pl []int) string {
		return builtins.Format(call(t, e, ctx, pl, "event", int64(2000)))
	}
	for _, inWait := range []bool{true, false} {
		for _, tid := range tids {
			call(t, e, ctx, nil, "getpid") // the node waits in recvmsg again
			if inWait {
				waitInSyscall(t, pid, unix.SYS_RECVMSG)
			}
			if err := unix.Tgkill(pid, tid, unix.SIGUSR1); err != nil {
				t.Fatalf("tgkill %d: %v", tid, err)
			}
			if ev := soon(nil); ev != `{signal: "sigusr1"}` {
				t.Fatalf("signal to thread %d (node in its wait: %v): event = %s", tid, inWait, ev)
			}
		}
	}
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, nil, "getpid")
	call(t, e, ctx, c, "exit", int64(3))
	if ev := soon(c); ev != `{exit_status: 3}` {
		t.Fatalf("child's exit: event = %s", ev)
	}
	if got := call(t, e, ctx, nil, "getpid").(int64); int(got) != pid {
		t.Fatalf("getpid = %d after the signals, want %d", got, pid)
	}
}

// waitInSyscall waits until the main thread of pid is blocked in syscall
// nr.
func waitInSyscall(t *testing.T, pid int, nr int) {
	t.Helper()
	want := strconv.Itoa(nr) + " "
	var b []byte
	for range 2000 {
		var err error
		if b, err = os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid)); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(string(b), want) {
			return
		}
		time.Sleep(time.Millisecond)
	}
	st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	var cpus string
	for _, l := range strings.Split(string(st), "\n") {
		if strings.HasPrefix(l, "Cpus_allowed_list") {
			cpus = l
		}
	}
	fd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/3", pid))
	t.Fatalf("process %d not in syscall %d: in %q; %s; fd 3: %q", pid, nr, b, cpus, fd)
}

// threadsTaking lists the threads of pid that do not block sig.
func threadsTaking(t *testing.T, pid int, sig unix.Signal) []int {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		t.Fatal(err)
	}
	var tids []int
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, task.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if hex, ok := strings.CutPrefix(line, "SigBlk:\t"); ok {
				if mask, err := strconv.ParseUint(hex, 16, 64); err == nil && mask&(1<<(sig-1)) == 0 {
					tid, _ := strconv.Atoi(task.Name())
					tids = append(tids, tid)
				}
			}
		}
	}
	return tids
}
