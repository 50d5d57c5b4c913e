package engine

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// capBits reads a capability set of /proc/PID/status ("CapBnd") as a mask.
func capBits(t *testing.T, e *Engine, pl []int, field string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimSpace(procStatus(t, e.hostPid(t, pl))[field]), 16, 64)
	if err != nil {
		t.Fatalf("%s: %v", field, err)
	}
	return v
}

// statusCaps reads a capability set of a /proc/PID/status text.
func statusCaps(t *testing.T, status, field string) uint64 {
	t.Helper()
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return m
		}
	}
	t.Fatalf("no %s in %q", field, status)
	return 0
}

// The runtime-free capability calls leave, in a proto-node (which stays
// one) and in a node, what the kernel shows: in the program each execs,
// and in the node itself, which keeps its permitted set as a node that
// made the drop itself does (a proto-node holds its drops back until its
// exec or its boot, whose exec would otherwise cut its permitted set to
// the bounding set).
func TestRuntimeFreeCapabilityEffects(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	e, ctx := start(t)
	drop := []any{builtins.Const("cap_sys_admin"), builtins.Const("cap_net_raw")}
	dropped := uint64(1)<<unix.CAP_SYS_ADMIN | 1<<unix.CAP_NET_RAW
	keep := []any{builtins.Const("cap_setuid"), builtins.Const("cap_setgid"), builtins.Const("cap_setpcap"), builtins.Const("cap_sys_admin")}
	kept := uint64(1)<<unix.CAP_SETUID | 1<<unix.CAP_SETGID | 1<<unix.CAP_SETPCAP
	for _, boot := range []bool{false, true} {
		// The program a proto-node or a node execs.
		pl := fork(t, e, ctx, nil)
		if boot {
			bootNode(t, e, ctx, pl)
		}
		before := capBits(t, e, pl, "CapBnd")
		call(t, e, ctx, pl, "capbset_drop", drop)
		call(t, e, ctx, pl, "ambient_lower", []any{builtins.Const("cap_chown")})
		call(t, e, ctx, pl, "ambient_clear")
		call(t, e, ctx, pl, "securebits_set", []any{builtins.Const("secbit_noroot")})
		if !boot && !isProto(t, e, pl) {
			t.Error("the capability calls booted the proto-node")
		}
		call(t, e, ctx, pl, "execvp", "/bin/cat", []any{"cat", "/proc/self/status"})
		if got := statusCaps(t, outputOf(t, e, pl), "CapBnd"); got != before&^dropped {
			t.Errorf("booted %v: the program's CapBnd %x, want %x", boot, got, before&^dropped)
		}
		// The node itself, booted after the calls.
		pl = fork(t, e, ctx, nil)
		if boot {
			bootNode(t, e, ctx, pl)
		}
		perm := capBits(t, e, pl, "CapPrm")
		call(t, e, ctx, pl, "capbset_keep", keep)
		call(t, e, ctx, pl, "capbset_drop", drop)
		if !boot && !isProto(t, e, pl) {
			t.Error("capbset_keep booted the proto-node")
		}
		if got := builtins.Format(call(t, e, ctx, pl, "capbset")); got != "[cap_setgid cap_setuid cap_setpcap]" {
			t.Errorf("booted %v: capbset %s", boot, got)
		}
		if got := capBits(t, e, pl, "CapBnd"); got != kept {
			t.Errorf("booted %v: CapBnd %x, want %x", boot, got, kept)
		}
		if got := capBits(t, e, pl, "CapPrm"); got != perm {
			t.Errorf("booted %v: CapPrm %x after the drops, want %x as before", boot, got, perm)
		}
		call(t, e, ctx, pl, "securebits_set", []any{builtins.Const("secbit_noroot")})
		if got := builtins.Format(call(t, e, ctx, pl, "securebits")); got != "[secbit_noroot]" {
			t.Errorf("booted %v: securebits %s after securebits_set", boot, got)
		}
	}
}

// A proto-node's bounding-set drops reach its program even when a seccomp
// filter loaded after them denies prctl, and an id change after them
// takes cap_setpcap away.
func TestRuntimeFreeCapabilityDropBeforeFilter(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	e, ctx := start(t)
	deny := builtins.Record{"default": builtins.Const("allow"), "rules": []any{
		builtins.Record{"syscall": "prctl", "action": builtins.Record{"errno": builtins.Const("eperm")}}}}
	for _, then := range []func(pl []int){
		func(pl []int) { call(t, e, ctx, pl, "no_new_privs"); call(t, e, ctx, pl, "seccomp_load", deny) },
		func(pl []int) { call(t, e, ctx, pl, "setuid", int64(65534)) },
	} {
		pl := fork(t, e, ctx, nil)
		before := capBits(t, e, pl, "CapBnd")
		call(t, e, ctx, pl, "capbset_drop", []any{builtins.Const("cap_net_raw")})
		then(pl)
		if !isProto(t, e, pl) {
			t.Error("the calls booted the proto-node")
		}
		call(t, e, ctx, pl, "execvp", "/bin/cat", []any{"cat", "/proc/self/status"})
		if got, want := statusCaps(t, outputOf(t, e, pl), "CapBnd"), before&^(1<<unix.CAP_NET_RAW); got != want {
			t.Errorf("the program's CapBnd %x, want %x", got, want)
		}
	}
}

// A failing capability call answers from a proto-node (which boots to
// word the error) and from a node with the same error, which names the
// capabilities applied before the one that failed.
func TestRuntimeFreeCapabilityErrors(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	raise := []any{builtins.Const("cap_chown"), builtins.Const("cap_kill")}
	for _, c := range []struct {
		name, want string
		args       []any
		setup      func(pl []int)
	}{
		{"ambient_raise", "ambient_raise: cap_chown (applied before it: nothing): operation not permitted", []any{raise}, nil},
		{"capbset_drop", "capbset_drop: cap_net_raw (applied before it: nothing): operation not permitted",
			[]any{[]any{builtins.Const("cap_net_raw")}},
			func(pl []int) { call(t, e, ctx, pl, "setuid", int64(65534)) }},
		{"securebits_set", "prctl PR_SET_SECUREBITS: operation not permitted", []any{[]any{builtins.Const("secbit_noroot")}},
			func(pl []int) { call(t, e, ctx, pl, "setuid", int64(65534)) }},
	} {
		var got []string
		for _, boot := range []bool{false, true} {
			pl := fork(t, e, ctx, nil)
			if boot {
				bootNode(t, e, ctx, pl)
			}
			if c.setup != nil {
				c.setup(pl)
			}
			_, err := e.Call(ctx, pl, c.name, c.args)
			if !errors.Is(err, unix.EPERM) {
				t.Fatalf("%s (booted %v): %v, want eperm", c.name, boot, err)
			}
			got = append(got, err.Error())
		}
		if got[0] != got[1] || !strings.Contains(got[0], c.want) {
			t.Errorf("%s: proto-node %q, node %q, want %q", c.name, got[0], got[1], c.want)
		}
	}
	// In a node with cap_chown inheritable, the raise stops at cap_kill,
	// having raised cap_chown.
	pl := fork(t, e, ctx, nil)
	sets := builtins.Record{"inheritable": []any{builtins.Const("cap_chown")}}
	call(t, e, ctx, pl, "capset", sets)
	_, err := e.Call(ctx, pl, "ambient_raise", []any{raise})
	if want := "ambient_raise: cap_kill (applied before it: cap_chown): operation not permitted"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("partial raise: %v, want %q", err, want)
	}
	if got := capBits(t, e, pl, "CapAmb"); got != 1<<unix.CAP_CHOWN {
		t.Errorf("CapAmb %x after the partial raise, want cap_chown", got)
	}
}
