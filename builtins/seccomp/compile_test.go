package seccomp

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

// The compiled programs run here in golang.org/x/net/bpf's interpreter,
// fed struct seccomp_data as the kernel lays it out.

// data is one syscall as a filter sees it. The interpreter loads words
// big-endian (network order), so each 32-bit word goes in that order; the
// words sit where x86_64's native layout puts them (an argument's low
// word first).
func data(arch, nr uint32, args ...uint64) []byte {
	b := make([]byte, 64)
	binary.BigEndian.PutUint32(b[offNr:], nr)
	binary.BigEndian.PutUint32(b[offArch:], arch)
	for i, a := range args {
		binary.BigEndian.PutUint32(b[offArgs+8*i:], uint32(a))
		binary.BigEndian.PutUint32(b[offArgs+8*i+4:], uint32(a>>32))
	}
	return b
}

// verdict runs prog on one syscall and returns the filter's return value.
func verdict(t *testing.T, prog *Program, arch, nr uint32, args ...uint64) uint32 {
	t.Helper()
	ins := make([]bpf.Instruction, len(prog.Raw))
	for i, r := range prog.Raw {
		ins[i] = r.Disassemble()
	}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		t.Fatal(err)
	}
	r, err := vm.Run(data(arch, nr, args...))
	if err != nil {
		t.Fatal(err)
	}
	return uint32(r)
}

func nr(t *testing.T, name string) uint32 {
	t.Helper()
	n, err := Number(name)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustCompile(t testing.TB, p *Policy) *Program {
	t.Helper()
	prog, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

var eacces = Action{Kind: Errno, Errno: 13, ErrnoName: "eacces"}

// Other architectures, and x32 numbers under the x86_64 arch, kill.
func TestArchCheck(t *testing.T) {
	prog := mustCompile(t, &Policy{Default: Action{Kind: Allow}})
	const auditArchI386 = 0x40000003
	if v := verdict(t, prog, auditArchI386, 1); v != retKillProcess {
		t.Errorf("i386 syscall: %#x, want kill_process", v)
	}
	if v := verdict(t, prog, AuditArchX86_64, x32Bit|nr(t, "getpid")); v != retKillProcess {
		t.Errorf("x32 getpid: %#x, want kill_process", v)
	}
	if v := verdict(t, prog, AuditArchX86_64, nr(t, "getpid")); v != retAllow {
		t.Errorf("getpid: %#x, want allow", v)
	}
}

// Groups expand (nested ones too); names take the sys_ prefix or not;
// the first unconditional rule naming a syscall wins.
func TestRulesAndGroups(t *testing.T) {
	p := &Policy{Default: Action{Kind: Allow}, Rules: []Rule{
		{Syscalls: []string{"@privileged"}, Action: eacces},
		{Syscalls: []string{"@mount", "sys_getpid"}, Action: Action{Kind: KillProcess}},
	}}
	prog := mustCompile(t, p)
	want := map[string]uint32{"chroot": retErrno | 13, "lchown": retErrno | 13, "reboot": retErrno | 13,
		"mount": retKillProcess, "getpid": retKillProcess, "read": retAllow, "setgid": retAllow}
	for name, w := range want {
		if v := verdict(t, prog, AuditArchX86_64, nr(t, name)); v != w {
			t.Errorf("%s: %#x, want %#x", name, v, w)
		}
	}
}

// A syscall whose action is the default's costs no instructions.
func TestDefaultActionRulesDropped(t *testing.T) {
	p := &Policy{Default: eacces, Rules: []Rule{{Syscalls: []string{"mount"}, Action: eacces}}}
	if n := mustCompile(t, p).Len(); n != 7 {
		t.Fatalf("program of %d instructions, want the 6 of the arch check and the default's ret", n)
	}
}

// Each operator, over 64-bit values around the word boundary, agrees
// with Go's comparison.
func TestConditionsAgreeWithGo(t *testing.T) {
	values := []uint64{0, 1, 2, 0xfffffffe, 0xffffffff, 1 << 32, 1<<32 + 1, 1<<32 + 0xffffffff, 2 << 32, ^uint64(0)}
	ops := map[Op]func(a, v uint64) bool{
		Eq: func(a, v uint64) bool { return a == v }, Ne: func(a, v uint64) bool { return a != v },
		Lt: func(a, v uint64) bool { return a < v }, Le: func(a, v uint64) bool { return a <= v },
		Gt: func(a, v uint64) bool { return a > v }, Ge: func(a, v uint64) bool { return a >= v },
		MaskedEq: func(a, v uint64) bool { return a&0xffff0000ffff0000 == v&0xffff0000ffff0000 },
	}
	write := nr(t, "write")
	for op, holds := range ops {
		for _, v := range values {
			c := Cond{Arg: 2, Op: op, Value: v}
			if op == MaskedEq {
				c = Cond{Arg: 2, Op: op, Mask: 0xffff0000ffff0000, Value: v & 0xffff0000ffff0000}
			}
			prog := mustCompile(t, &Policy{Default: Action{Kind: Allow},
				Rules: []Rule{{Syscalls: []string{"write"}, Conds: []Cond{c}, Action: eacces}}})
			for _, a := range values {
				want := uint32(retAllow)
				if holds(a, v) {
					want = retErrno | 13
				}
				if got := verdict(t, prog, AuditArchX86_64, write, 0, 0, a); got != want {
					t.Errorf("arg2 %#x %s %#x: %#x, want %#x", a, op, v, got, want)
				}
			}
		}
	}
}

// Conditions of one rule all hold together; rules are tried in order,
// then the unconditional one.
func TestConditionalRules(t *testing.T) {
	p := &Policy{Default: Action{Kind: KillProcess}, Rules: []Rule{
		{Syscalls: []string{"socket"}, Action: Action{Kind: Allow}},
		{Syscalls: []string{"socket"}, Conds: []Cond{{Arg: 0, Op: Eq, Value: 2}, {Arg: 1, Op: Eq, Value: 3}}, Action: eacces},
		{Syscalls: []string{"socket"}, Conds: []Cond{{Arg: 0, Op: Eq, Value: 16}}, Action: Action{Kind: Errno, Errno: 1}},
	}}
	prog := mustCompile(t, p)
	socket := nr(t, "socket")
	cases := []struct {
		args []uint64
		want uint32
	}{{[]uint64{2, 3}, retErrno | 13}, {[]uint64{2, 1}, retAllow}, {[]uint64{16, 3}, retErrno | 1}, {[]uint64{1, 1}, retAllow}}
	for _, c := range cases {
		if got := verdict(t, prog, AuditArchX86_64, socket, c.args...); got != c.want {
			t.Errorf("socket%v: %#x, want %#x", c.args, got, c.want)
		}
	}
	if got := verdict(t, prog, AuditArchX86_64, nr(t, "read")); got != retKillProcess {
		t.Errorf("read: %#x, want the default kill_process", got)
	}
}

// Unknown names name the word and suggest the nearest.
func TestUnknownNames(t *testing.T) {
	cases := []struct {
		rule    Rule
		suggest string
	}{
		{Rule{Syscalls: []string{"mont"}}, "mount"},
		{Rule{Syscalls: []string{"@mnt"}}, "@mount"},
		{Rule{Syscalls: []string{"@raw_io"}}, "@raw-io"},
	}
	for _, c := range cases {
		_, err := Compile(&Policy{Rules: []Rule{c.rule}})
		var u *UnknownError
		if !errors.As(err, &u) || u.Name != c.rule.Syscalls[0] || !slices.Contains(u.Nearest, c.suggest) {
			t.Errorf("%v: %v, want a suggestion of %s", c.rule.Syscalls, err, c.suggest)
		}
	}
	if _, err := ParseActionKind("trap"); err == nil || !strings.Contains(err.Error(), "SIGSYS") {
		t.Errorf("trap: %v, want refused with the reason", err)
	}
	if _, err := ParseOp("masked_equal"); err == nil || !strings.Contains(err.Error(), "masked_eq") {
		t.Errorf("masked_equal: %v", err)
	}
	if _, err := Compile(&Policy{Rules: []Rule{{Syscalls: []string{"read"}, Conds: []Cond{{Arg: 6}}}}}); err == nil {
		t.Error("a condition on arg6 compiled")
	}
}

// Every group the issue names exists, and its members are x86_64
// syscalls; a syscall number has one name.
func TestGroupsAndNames(t *testing.T) {
	for _, g := range []string{"@mount", "@privileged", "@raw-io", "@module", "@reboot", "@swap", "@clock", "@debug", "@obsolete", "@known"} {
		m, err := GroupSyscalls(g)
		if err != nil || len(m) == 0 {
			t.Errorf("%s: %v %v", g, m, err)
		}
	}
	priv, _ := GroupSyscalls("@privileged")
	for _, want := range []string{"iopl", "reboot", "swapon", "lchown", "settimeofday", "init_module"} {
		if !slices.Contains(priv, want) {
			t.Errorf("@privileged lacks %s (a member of a nested group)", want)
		}
	}
	seen := map[uint32]string{}
	for n, v := range syscallNumbers() {
		if other, dup := seen[v]; dup {
			t.Errorf("syscall %d is both %s and %s", v, n, other)
		}
		seen[v] = n
	}
}

func TestDisassemble(t *testing.T) {
	prog := mustCompile(t, &Policy{Default: Action{Kind: Allow}, Rules: []Rule{{Syscalls: []string{"mount"}, Action: eacces}}})
	got := strings.Join(prog.Disassemble(), "\n")
	want := `   0: ld [4]                         ; arch
   1: jeq #0xc000003e jt 3 jf 2      ; x86_64?
   2: ret #0x80000000                ; kill_process
   3: ld [0]                         ; syscall number
   4: jge #0x40000000 jt 5 jf 6      ; an x32 syscall?
   5: ret #0x80000000                ; kill_process
   6: jeq #0xa5 jt 7 jf 8            ; mount
   7: ret #0x5000d                   ; errno eacces
   8: ret #0x7fff0000                ; allow`
	if got != want {
		t.Fatalf("disassembly:\n%s\nwant:\n%s", got, want)
	}
}
