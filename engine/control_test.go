package engine

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

func isFiltered(err error, call string) bool {
	return errors.Is(err, builtins.ErrFiltered) && strings.Contains(err.Error(), call+" is denied")
}

// alcove test 39 (filter): the root denies fork, a child denies getpid.
func TestFilterAlcove39(t *testing.T) {
	e, ctx := start(t)
	task := fork(t, e, ctx, nil)
	call(t, e, ctx, nil, "filter", []any{builtins.Const("fork")}, []any{})
	call(t, e, ctx, task, "filter", []any{"getpid"}, []any{})
	fork(t, e, ctx, task)
	if _, err := e.Call(ctx, nil, "fork", nil); !isFiltered(err, "fork") {
		t.Fatalf("fork [] after filter: %v, want filtered", err)
	}
	if _, err := e.Call(ctx, task, "getpid", nil); !isFiltered(err, "getpid") {
		t.Fatalf("getpid [task]: %v, want filtered", err)
	}
	call(t, e, ctx, nil, "getpid")
}

// alcove test 40 (filter1): allow-lists, and filters that only grow.
func TestFilter1Alcove40(t *testing.T) {
	e, ctx := start(t)
	allow := []any{"fork", "clone", "getpid"}
	call(t, e, ctx, nil, "filter", builtins.Record{"allow": allow}, builtins.Record{"deny": allow})
	task := fork(t, e, ctx, nil)
	call(t, e, ctx, task, "getcwd")
	if _, err := e.Call(ctx, task, "getpid", nil); !isFiltered(err, "getpid") {
		t.Fatalf("getpid [task]: %v, want filtered", err)
	}
	if _, err := e.Call(ctx, nil, "getcwd", nil); !isFiltered(err, "getcwd") {
		t.Fatalf("getcwd []: %v, want filtered", err)
	}
	call(t, e, ctx, task, "filter", builtins.Record{"allow": []any{}}, []any{})
	if _, err := e.Call(ctx, task, "getcwd", nil); !isFiltered(err, "getcwd") {
		t.Fatalf("getcwd [task] after allow []: %v, want filtered", err)
	}
}

// alcove test 41 (filter_nil): an empty child list changes nothing; a
// later one applies to children forked after it.
func TestFilterNilAlcove41(t *testing.T) {
	e, ctx := start(t)
	call(t, e, ctx, nil, "filter", builtins.Record{"allow": []any{"fork", "filter", "clone", "getpid"}}, []any{})
	c1 := fork(t, e, ctx, nil)
	call(t, e, ctx, c1, "getcwd")
	call(t, e, ctx, nil, "filter", []any{}, builtins.Record{"allow": []any{"getcwd"}})
	c2 := fork(t, e, ctx, nil)
	call(t, e, ctx, c2, "getcwd")
	if _, err := e.Call(ctx, c2, "getpid", nil); !isFiltered(err, "getpid") {
		t.Fatalf("getpid [c2]: %v, want filtered", err)
	}
	call(t, e, ctx, c1, "getpid")
}

func TestFilterBadName(t *testing.T) {
	e, ctx := start(t)
	_, err := e.Call(ctx, nil, "filter", []any{[]any{"nosuchcall"}})
	if err == nil || !strings.Contains(err.Error(), "no call named nosuchcall") {
		t.Fatalf("filter [nosuchcall]: %v", err)
	}
}

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
