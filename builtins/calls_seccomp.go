package builtins

import (
	"fmt"
	"slices"
	"strings"

	"github.com/alsh/alsh/builtins/seccomp"
)

// seccompCalls: seccomp filters by syscall name (package seccomp compiles
// them). The raw BPF form stays the seccomp call (calls_security.go).
var seccompCalls = []Call{
	{Name: "seccomp_load", Group: "seccomp", Args: []Arg{{"policy", Any, ""}}, Result: Rec, Man: "seccomp(2)",
		Summary: "compile a policy and install it on the node: a record {default, rules}, Docker/OCI profile JSON (a string), or docker_default; returns {instructions, skipped}",
		Example: "seccomp_load [$c] {default: allow, rules: [{syscalls: [\"@mount\" \"@reboot\"], action: {errno: eperm}}]}"},
	{Name: "seccomp_compile", Pure: true, Group: "seccomp", Args: []Arg{{"policy", Any, ""}}, Result: List, Man: "seccomp(2)",
		Summary: "compile a policy to the instructions {code, jt, jf, k} that the seccomp call takes",
		Example: "seccomp_compile [] {default: {errno: eperm}, rules: [{syscall: \"socket\", arg0: af_unix, action: allow}]}"},
	{Name: "seccomp_disasm", Pure: true, Group: "seccomp", Args: []Arg{{"policy", Any, ""}}, Result: Str, Man: "seccomp(2)",
		Summary: "the compiled program, or a list of raw instructions, disassembled one instruction a line",
		Example: "seccomp_disasm [] {default: allow, rules: [{syscall: \"mount\", action: {errno: eperm}}]}"},
	{Name: "seccomp_groups", Pure: true, Group: "seccomp", Args: []Arg{{"group", Str, ""}}, Optional: 1, Result: List, Man: "systemd.exec(5)",
		Summary: "the syscall groups (systemd's SystemCallFilter= sets), or the x86_64 syscalls of one group",
		Example: "seccomp_groups [] \"@mount\""},
}

// A policy record:
//
//	{default: ACTION, rules: [RULE…]}
//	RULE   {syscall: NAME | syscalls: [NAME | "@group"…], action: ACTION,
//	        arg0…arg5: VALUE | {eq|ne|lt|le|gt|ge: VALUE} | {masked_eq: [MASK VALUE]}}
//	ACTION allow | kill_process | kill_thread | log | {errno: ERRNO}
//
// A VALUE is an int or a constant of any table (af_inet, clone_newuser).

var (
	policyFields = []string{"default", "rules"}
	ruleFields   = []string{"syscall", "syscalls", "action", "arg0", "arg1", "arg2", "arg3", "arg4", "arg5"}
)

// policyRecord reads a policy record.
func policyRecord(r Record) (*seccomp.Policy, error) {
	if err := onlyFields(r, policyFields); err != nil {
		return nil, err
	}
	d, ok := r["default"]
	if !ok {
		return nil, fmt.Errorf("missing field default (allow, kill_process, log or {errno: NAME})")
	}
	def, err := seccompAction(d)
	if err != nil {
		return nil, fmt.Errorf("default: %w", err)
	}
	p := &seccomp.Policy{Default: def}
	rules, _ := r["rules"].([]any)
	if _, ok := r["rules"]; ok && rules == nil {
		return nil, wantGot("a list of rules", r["rules"])
	}
	for i, v := range rules {
		rule, err := seccompRule(v)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
		p.Rules = append(p.Rules, rule)
	}
	return p, nil
}

func onlyFields(r Record, known []string) error {
	for _, k := range r.Keys() {
		if !slices.Contains(known, k) {
			return fmt.Errorf("unknown field %s (want %s)", k, strings.Join(known, ", "))
		}
	}
	return nil
}

func seccompRule(v any) (seccomp.Rule, error) {
	r, ok := v.(Record)
	if !ok {
		return seccomp.Rule{}, wantGot("a record {syscall, action…}", v)
	}
	if err := onlyFields(r, ruleFields); err != nil {
		return seccomp.Rule{}, err
	}
	names, err := ruleSyscalls(r)
	if err != nil {
		return seccomp.Rule{}, err
	}
	act, ok := r["action"]
	if !ok {
		return seccomp.Rule{}, fmt.Errorf("missing field action")
	}
	rule := seccomp.Rule{Syscalls: names}
	if rule.Action, err = seccompAction(act); err != nil {
		return seccomp.Rule{}, fmt.Errorf("action: %w", err)
	}
	rule.Conds, err = ruleConds(r)
	return rule, err
}

func ruleSyscalls(r Record) ([]string, error) {
	one, hasOne := r["syscall"]
	list, hasList := r["syscalls"]
	switch {
	case hasOne && hasList:
		return nil, fmt.Errorf("give syscall or syscalls, not both")
	case hasOne:
		list = []any{one}
	}
	l, ok := list.([]any)
	if !ok || len(l) == 0 {
		return nil, fmt.Errorf("want a field syscall (a name) or syscalls (a list of names and @groups)")
	}
	names := make([]string, len(l))
	for i, e := range l {
		if names[i], ok = nameOf(e); !ok {
			return nil, wantGot("a syscall name or @group", e)
		}
	}
	return names, nil
}

// nameOf reads a name given as a string or a bare word.
func nameOf(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case Const:
		return string(v), true
	}
	return "", false
}

func ruleConds(r Record) ([]seccomp.Cond, error) {
	var conds []seccomp.Cond
	for i := range 6 {
		v, ok := r[fmt.Sprintf("arg%d", i)]
		if !ok {
			continue
		}
		c, err := seccompCond(i, v)
		if err != nil {
			return nil, fmt.Errorf("arg%d: %w", i, err)
		}
		conds = append(conds, c)
	}
	return conds, nil
}

// seccompCond reads VALUE, {op: VALUE} or {masked_eq: [MASK VALUE]}.
func seccompCond(arg int, v any) (seccomp.Cond, error) {
	r, ok := v.(Record)
	if !ok {
		n, err := condValue(v)
		return seccomp.Cond{Arg: arg, Op: seccomp.Eq, Value: n}, err
	}
	if len(r) != 1 {
		return seccomp.Cond{}, fmt.Errorf("want one operator, as {gt: 2}, got %s", Format(r))
	}
	name := r.Keys()[0]
	op, err := seccomp.ParseOp(name)
	if err != nil {
		return seccomp.Cond{}, err
	}
	if op != seccomp.MaskedEq {
		n, err := condValue(r[name])
		return seccomp.Cond{Arg: arg, Op: op, Value: n}, err
	}
	pair, ok := r[name].([]any)
	if !ok || len(pair) != 2 {
		return seccomp.Cond{}, fmt.Errorf("masked_eq: want [MASK VALUE], got %s", Format(r[name]))
	}
	mask, err := condValue(pair[0])
	if err != nil {
		return seccomp.Cond{}, err
	}
	val, err := condValue(pair[1])
	return seccomp.Cond{Arg: arg, Op: op, Mask: mask, Value: val}, err
}

// condValue is an int, a constant of any table, or a list of constants
// OR'd (clone flags).
func condValue(v any) (uint64, error) {
	switch v := v.(type) {
	case int64:
		return uint64(v), nil
	case Const:
		n, _, err := LookupAny(Tables(), string(v))
		return uint64(n), err
	case []any:
		var acc uint64
		for _, e := range v {
			n, err := condValue(e)
			if err != nil {
				return 0, err
			}
			acc |= n
		}
		return acc, nil
	}
	return 0, wantGot("an int or a constant", v)
}

// seccompAction reads allow, kill_process, kill_thread, log or
// {errno: NAME}.
func seccompAction(v any) (seccomp.Action, error) {
	if r, ok := v.(Record); ok {
		return errnoAction(r)
	}
	name, ok := nameOf(v)
	if !ok {
		return seccomp.Action{}, wantGot("allow, kill_process, kill_thread, log or {errno: NAME}", v)
	}
	name = strings.ToLower(name)
	kind, err := seccomp.ParseActionKind(name)
	if err == nil && kind == seccomp.Errno {
		err = fmt.Errorf("errno takes its errno: {errno: eperm}")
	}
	return seccomp.Action{Kind: kind}, err
}

func errnoAction(r Record) (seccomp.Action, error) {
	v, ok := r["errno"]
	if !ok || len(r) != 1 {
		return seccomp.Action{}, fmt.Errorf("want {errno: NAME}, got %s", Format(r))
	}
	if n, ok := v.(int64); ok && n > 0 && n < 4096 {
		return seccomp.Action{Kind: seccomp.Errno, Errno: uint16(n), ErrnoName: constantNameOr("errno", n)}, nil
	}
	name, ok := nameOf(v)
	if !ok {
		return seccomp.Action{}, wantGot("an errno name", v)
	}
	n, err := Constant("errno", name)
	if err != nil {
		return seccomp.Action{}, err
	}
	return seccomp.Action{Kind: seccomp.Errno, Errno: uint16(n), ErrnoName: strings.ToLower(name)}, nil
}

// constantNameOr is a value's name in a table, or the value as a number.
func constantNameOr(table string, v int64) string {
	if n, ok := ConstantName(table, v); ok {
		return n
	}
	return fmt.Sprint(v)
}

// programList renders a compiled program as the seccomp call's list of
// instructions.
func programList(p *seccomp.Program) []any {
	out := make([]any, len(p.Raw))
	for i, r := range p.Raw {
		out[i] = Record{"code": int64(r.Op), "jt": int64(r.Jt), "jf": int64(r.Jf), "k": int64(r.K)}
	}
	return out
}

func sysSeccompGroups(_ Node, a Args) (any, error) {
	if !a.Has(0) {
		return stringList(seccomp.Groups()), nil
	}
	names, err := seccomp.GroupSyscalls(a.Str(0))
	if err != nil {
		return nil, &ArgError{Call: "seccomp_groups", N: 1, Name: "group", Msg: err.Error()}
	}
	return stringList(names), nil
}

func stringList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
