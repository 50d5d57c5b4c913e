package builtins

import (
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins/seccomp"
)

// A policy record reads into the compiler's policy: names as strings or
// bare words, errno by name or number, each operator, masked_eq's pair,
// constants of any table and lists of them OR'd.
func TestPolicyRecord(t *testing.T) {
	eperm := Record{"errno": Const("eperm")}
	r := Record{"default": Record{"errno": int64(38)}, "rules": []any{
		Record{"syscalls": []any{"@mount", Const("unshare")}, "action": eperm},
		Record{"syscall": "socket", "arg0": Const("af_inet"), "arg1": Record{"ne": int64(2)}, "action": Const("log")},
		Record{"syscall": "clone", "arg0": Record{"masked_eq": []any{[]any{Const("clone_newuser"), Const("clone_newns")}, int64(0)}},
			"action": Const("allow")},
	}}
	p, err := policyRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	if p.Default != (seccomp.Action{Kind: seccomp.Errno, Errno: 38, ErrnoName: "enosys"}) {
		t.Errorf("default = %+v", p.Default)
	}
	if got := strings.Join(p.Rules[0].Syscalls, " "); got != "@mount unshare" || p.Rules[0].Action.ErrnoName != "eperm" {
		t.Errorf("rule 1 = %+v", p.Rules[0])
	}
	want := []seccomp.Cond{{Arg: 0, Op: seccomp.Eq, Value: 2}, {Arg: 1, Op: seccomp.Ne, Value: 2}}
	if c := p.Rules[1].Conds; len(c) != 2 || c[0] != want[0] || c[1] != want[1] || p.Rules[1].Action.Kind != seccomp.Log {
		t.Errorf("rule 2 = %+v", p.Rules[1])
	}
	if c := p.Rules[2].Conds[0]; c.Op != seccomp.MaskedEq || c.Mask != 0x10020000 || c.Value != 0 {
		t.Errorf("rule 3 = %+v", p.Rules[2])
	}
}

func TestPolicyRecordErrors(t *testing.T) {
	allow := Const("allow")
	cases := []struct {
		r    Record
		want string
	}{
		{Record{"rules": []any{}}, "missing field default"},
		{Record{"default": allow, "rule": []any{}}, "unknown field rule"},
		{Record{"default": Const("errno")}, "{errno: eperm}"},
		{Record{"default": Const("trace")}, "ptrace tracer"},
		{Record{"default": Const("alow")}, "did you mean allow"},
		{Record{"default": allow, "rules": Const("x")}, "a list of rules"},
		{Record{"default": allow, "rules": []any{Record{"syscall": "a", "syscalls": []any{"b"}, "action": allow}}}, "not both"},
		{Record{"default": allow, "rules": []any{Record{"action": allow}}}, "want a field syscall"},
		{Record{"default": allow, "rules": []any{Record{"syscall": "read", "arg0": Record{"gt": 1, "lt": 2}, "action": allow}}}, "one operator"},
		{Record{"default": allow, "rules": []any{Record{"syscall": "read", "arg0": Record{"masked_eq": int64(1)}, "action": allow}}}, "[MASK VALUE]"},
		{Record{"default": allow, "rules": []any{Record{"syscall": "read", "arg0": Const("af_inett"), "action": allow}}}, "af_inet"},
	}
	for _, c := range cases {
		if _, err := policyRecord(c.r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", Format(c.r), err, c.want)
		}
	}
}

// Capability sets read from names, masks and lists; capList names them
// back.
func TestCapSets(t *testing.T) {
	sets, err := capSetsArg(Record{"effective": []any{Const("cap_chown"), "cap_kill"}, "permitted": int64(3)})
	if err != nil {
		t.Fatal(err)
	}
	if sets["effective"] != 1|1<<5 || sets["permitted"] != 3 || len(sets) != 2 {
		t.Fatalf("sets = %v", sets)
	}
	if got := Format(capList(1<<0 | 1<<21 | 1<<62)); got != "[cap_chown cap_sys_admin 62]" {
		t.Fatalf("capList = %s", got)
	}
	for _, bad := range []Record{{"effective": []any{Const("cap_chwn")}}, {"ambient": []any{}}, {"effective": Record{}}} {
		if _, err := capSetsArg(bad); err == nil {
			t.Errorf("capSetsArg(%s) accepted", Format(bad))
		}
	}
	if _, err := capSetsArg(Record{"effective": []any{Const("cap_chwn")}}); err == nil || !strings.Contains(err.Error(), "cap_chown") {
		t.Errorf("cap_chwn: %v, want a suggestion of cap_chown", err)
	}
}
