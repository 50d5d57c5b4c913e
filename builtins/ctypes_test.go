package builtins

import (
	"errors"
	"strings"
	"testing"
)

// TestIntArgsNameCTypes: every integer argument of the table names a C type
// that fitCType knows, so no value reaches a syscall unchecked.
func TestIntArgsNameCTypes(t *testing.T) {
	for _, c := range Table {
		for _, a := range c.Args {
			if a.Kind != Int && a.Kind != Ints && a.Kind != Flags {
				continue
			}
			if _, ok := cTypeNamed(argCType(a)); !ok {
				t.Errorf("%s: argument %s: unknown C type %q", c.Name, a.Name, argCType(a))
			}
		}
	}
}

// TestConvertRefusesWideIntegers: a value wider than the argument's C type
// is refused, naming the argument and the range, rather than truncated
// (setuid 0x1_0000_fffe would otherwise set uid 65534).
func TestConvertRefusesWideIntegers(t *testing.T) {
	for _, tc := range []struct {
		call string
		args []any
		want string // "" means accepted
	}{
		{"setuid", []any{int64(0x1_0000_fffe)}, "argument 1 (uid): 4295032830 is out of range for uid_t (-1 to 4294967295)"},
		{"setuid", []any{int64(65534)}, ""},
		{"setresuid", []any{int64(-1), int64(-1), int64(-2)}, "argument 3 (saved): -2 is out of range for uid_t"},
		{"kill", []any{int64(0x1_0000_0000), int64(0)}, "argument 1 (pid): 4294967296 is out of range for pid_t"},
		{"kill", []any{int64(-1), int64(0)}, ""},
		{"kill", []any{int64(1), int64(0x1_0000_0009)}, "argument 2 (signal): 4294967305 is out of range for int"},
		{"setpriority", []any{Const("prio_process"), int64(0), int64(0x1_0000_000a)}, "argument 3 (prio): 4294967306 is out of range for int"},
		{"setgroups", []any{[]any{int64(1), int64(1 << 33)}}, "argument 1 (groups): element 2: 8589934592 is out of range for gid_t"},
		{"lseek", []any{int64(3), int64(1 << 40), int64(0)}, ""},
		{"chmod", []any{"/x", int64(-1)}, "argument 2 (mode): -1 is out of range for mode_t"},
		{"clone", []any{int64(1 << 40)}, ""},
	} {
		c, ok := Lookup(tc.call)
		if !ok {
			t.Fatalf("no call %s", tc.call)
		}
		_, err := Convert(c, tc.args)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %v: %v", tc.call, tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s %v: got %v, want an error containing %q", tc.call, tc.args, err, tc.want)
		}
		var argErr *ArgError
		if err != nil && !errors.As(err, &argErr) {
			t.Errorf("%s: %T is not an ArgError", tc.call, err)
		}
	}
}

// TestCheckWireRefusesWideIntegers: a node refuses an out-of-range value
// that reaches it in a malformed message.
func TestCheckWireRefusesWideIntegers(t *testing.T) {
	c, _ := Lookup("setuid")
	if err := CheckWire(c, []any{int64(1 << 32)}); err == nil {
		t.Fatal("setuid 1<<32 passed the node's check")
	}
	if err := CheckWire(c, []any{int64(1000)}); err != nil {
		t.Fatal(err)
	}
}

// TestFlagTablesFitTheirCType: every constant of a flags table fits the C
// type its arguments are checked against (a capability mask is 64 bits).
func TestFlagTablesFitTheirCType(t *testing.T) {
	for _, c := range Table {
		for _, a := range c.Args {
			if a.Kind != Flags {
				continue
			}
			for _, name := range ConstantNames(a.Table) {
				v, err := Constant(a.Table, name)
				if err != nil {
					continue
				}
				if err := fitCType(a, v); err != nil {
					t.Errorf("%s: argument %s: constant %s: %v", c.Name, a.Name, name, err)
				}
			}
		}
	}
}
