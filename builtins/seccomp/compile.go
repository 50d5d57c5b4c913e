package seccomp

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"golang.org/x/net/bpf"
)

// AuditArchX86_64 is AUDIT_ARCH_X86_64, what seccomp_data.arch holds for
// a 64-bit x86 syscall (EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE).
const AuditArchX86_64 = 0xc000003e

// x32Bit marks the syscall numbers of the x32 ABI, which enter with the
// x86_64 arch: a filter must refuse them or they bypass its numbers.
const x32Bit = 0x40000000

// Offsets in struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

// Program is a compiled filter.
type Program struct {
	Raw     []bpf.RawInstruction
	notes   []string
	Skipped []string // syscall names skipped under IgnoreUnknown
}

// entry is one rule as it applies to one syscall.
type entry struct {
	conds  []Cond
	action Action
}

// plan is the policy by syscall number: its conditional entries in
// order, and the action of its first unconditional rule.
type plan struct {
	conds   map[uint32][]entry
	uncond  map[uint32]Action
	skipped map[string]bool
}

// Compile builds the filter: the arch check (anything but x86_64, and
// x86_64's x32 numbers, kill the process), then each syscall a rule names,
// then the default action.
func Compile(p *Policy) (*Program, error) {
	pl, err := planOf(p)
	if err != nil {
		return nil, err
	}
	var a assembler
	header(&a)
	for _, nr := range pl.syscalls() {
		syscallBlock(&a, nr, pl, p.Default)
	}
	a.ret(p.Default)
	ins, err := a.resolve()
	if err != nil {
		return nil, err
	}
	if len(ins) > bpfMaxInsns {
		return nil, fmt.Errorf("seccomp: the filter has %d instructions, more than the kernel's %d", len(ins), bpfMaxInsns)
	}
	raw, err := bpf.Assemble(ins)
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	prog := &Program{Raw: raw, Skipped: slices.Sorted(maps.Keys(pl.skipped))}
	for _, in := range a.ins {
		prog.notes = append(prog.notes, in.note)
	}
	return prog, nil
}

// bpfMaxInsns is BPF_MAXINSNS, the most a classic BPF program may hold.
const bpfMaxInsns = 4096

func header(a *assembler) {
	native, notX32 := a.newLabel(), a.newLabel()
	a.load(offArch, "arch")
	a.jumpIf(bpf.JumpEqual, AuditArchX86_64, native, next, "x86_64?")
	a.ret(Action{Kind: KillProcess})
	a.mark(native)
	a.load(offNr, "syscall number")
	a.jumpIf(bpf.JumpGreaterOrEqual, x32Bit, next, notX32, "an x32 syscall?")
	a.ret(Action{Kind: KillProcess})
	a.mark(notX32)
}

// syscallBlock tests one syscall. A syscall with only an unconditional
// action is two instructions; one with conditions jumps past its block
// when the number differs, since the block may be longer than a
// conditional jump reaches.
func syscallBlock(a *assembler, nr uint32, pl *plan, def Action) {
	name := Name(nr)
	fallback, hasUncond := pl.uncond[nr]
	if !hasUncond {
		fallback = def
	}
	entries := pl.conds[nr]
	if len(entries) == 0 {
		if fallback != def {
			other := a.newLabel()
			a.jumpIf(bpf.JumpEqual, nr, next, other, name)
			a.ret(fallback)
			a.mark(other)
		}
		return
	}
	body, after := a.newLabel(), a.newLabel()
	a.jumpIf(bpf.JumpEqual, nr, body, next, name)
	a.jumpTo(after, "not "+name)
	a.mark(body)
	for _, e := range entries {
		fail := a.newLabel()
		for _, c := range e.conds {
			condition(a, c, fail)
		}
		a.ret(e.action)
		a.mark(fail)
	}
	a.ret(fallback)
	a.mark(after)
}

// condition tests a 64-bit argument as two 32-bit words (seccomp_data is
// native-endian: the low word first on x86_64), going on when it holds
// and to fail when not.
func condition(a *assembler, c Cond, fail label) {
	lo, hi := uint32(offArgs+8*c.Arg), uint32(offArgs+8*c.Arg+4)
	vlo, vhi := uint32(c.Value), uint32(c.Value>>32)
	arg := fmt.Sprintf("arg%d", c.Arg)
	pass := a.newLabel()
	a.load(hi, arg+" high word")
	switch c.Op {
	case Eq, MaskedEq:
		maskWord(a, c, c.Mask>>32)
		a.jumpIf(bpf.JumpEqual, vhi, next, fail, "")
		a.load(lo, arg+" low word")
		maskWord(a, c, c.Mask)
		a.jumpIf(bpf.JumpEqual, vlo, next, fail, "")
	case Ne:
		a.jumpIf(bpf.JumpEqual, vhi, next, pass, "")
		a.load(lo, arg+" low word")
		a.jumpIf(bpf.JumpEqual, vlo, fail, next, "")
	case Gt, Ge:
		a.jumpIf(bpf.JumpGreaterThan, vhi, pass, next, "")
		a.jumpIf(bpf.JumpEqual, vhi, next, fail, "")
		a.load(lo, arg+" low word")
		a.jumpIf(lowWordTest(c.Op), vlo, next, fail, "")
	case Lt, Le:
		a.jumpIf(bpf.JumpGreaterThan, vhi, fail, next, "")
		a.jumpIf(bpf.JumpEqual, vhi, next, pass, "")
		a.load(lo, arg+" low word")
		a.jumpIf(lowWordTest(c.Op), vlo, fail, next, "")
	}
	a.mark(pass)
}

// lowWordTest is the test of the low words once the high words are
// equal: for lt and le it is the failing one (>= and > fail them).
func lowWordTest(op Op) bpf.JumpTest {
	if op == Gt || op == Le {
		return bpf.JumpGreaterThan
	}
	return bpf.JumpGreaterOrEqual
}

func maskWord(a *assembler, c Cond, mask uint64) {
	if c.Op == MaskedEq {
		a.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: uint32(mask)}, "")
	}
}

// syscalls are the numbers some rule names, sorted: x86_64 gives the
// common syscalls (read, write, open…) the lowest numbers, so the filter
// tests them first.
func (pl *plan) syscalls() []uint32 {
	set := maps.Clone(pl.uncond)
	for nr := range pl.conds {
		set[nr] = Action{}
	}
	return slices.Sorted(maps.Keys(set))
}

// planOf expands each rule's names and groups to syscall numbers.
func planOf(p *Policy) (*plan, error) {
	pl := &plan{conds: map[uint32][]entry{}, uncond: map[uint32]Action{}, skipped: map[string]bool{}}
	for i, r := range p.Rules {
		if err := checkConds(r.Conds); err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
		nrs, err := pl.numbers(r.Syscalls, p.IgnoreUnknown)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
		for _, nr := range nrs {
			if len(r.Conds) > 0 {
				pl.conds[nr] = append(pl.conds[nr], entry{r.Conds, r.Action})
			} else if _, ok := pl.uncond[nr]; !ok {
				pl.uncond[nr] = r.Action
			}
		}
	}
	return pl, nil
}

func checkConds(cs []Cond) error {
	for _, c := range cs {
		if c.Arg < 0 || c.Arg > 5 {
			return fmt.Errorf("argument %d: a syscall has arguments 0 to 5", c.Arg)
		}
	}
	return nil
}

func (pl *plan) numbers(names []string, ignoreUnknown bool) ([]uint32, error) {
	var nrs []uint32
	for _, n := range names {
		if strings.HasPrefix(n, "@") {
			members, err := GroupSyscalls(n)
			if err != nil {
				return nil, err
			}
			for _, m := range members {
				nrs = append(nrs, syscallNumbers()[m])
			}
			continue
		}
		nr, ok := lookup(n)
		switch {
		case ok:
			nrs = append(nrs, nr)
		case ignoreUnknown:
			pl.skipped[n] = true
		default:
			return nil, unknown("syscall", n, syscallNames())
		}
	}
	return nrs, nil
}

// Len is the program's length in instructions.
func (p *Program) Len() int { return len(p.Raw) }

// Disassemble shows the program one instruction a line: its index, the
// instruction with jump targets as absolute indexes, and what it tests.
func (p *Program) Disassemble() []string {
	lines := make([]string, len(p.Raw))
	for i, r := range p.Raw {
		text := instructionText(i, r)
		if i < len(p.notes) && p.notes[i] != "" {
			text = fmt.Sprintf("%-30s ; %s", text, p.notes[i])
		}
		lines[i] = fmt.Sprintf("%4d: %s", i, text)
	}
	return lines
}

// instructionText renders one instruction. Jumps are read from the raw
// fields (x/net/bpf's Disassemble turns a jump whose true branch falls
// through into the negated test), with their targets as indexes.
func instructionText(i int, r bpf.RawInstruction) string {
	const classJmp, srcX = 0x05, 0x08
	if r.Op&0x07 == classJmp {
		name, ok := jumpNames[r.Op&0xf0]
		switch {
		case r.Op&0xf0 == 0:
			return fmt.Sprintf("ja %d", i+1+int(r.K))
		case ok && r.Op&srcX != 0:
			return fmt.Sprintf("%s x jt %d jf %d", name, i+1+int(r.Jt), i+1+int(r.Jf))
		case ok:
			return fmt.Sprintf("%s #%#x jt %d jf %d", name, r.K, i+1+int(r.Jt), i+1+int(r.Jf))
		}
	}
	switch in := r.Disassemble().(type) {
	case bpf.RetConstant:
		return fmt.Sprintf("ret #%#x", in.Val)
	case bpf.ALUOpConstant:
		if in.Op == bpf.ALUOpAnd {
			return fmt.Sprintf("and #%#x", in.Val)
		}
		return fmt.Sprint(in)
	case fmt.Stringer:
		return in.String()
	}
	return fmt.Sprintf("%#v", r)
}

var jumpNames = map[uint16]string{0x10: "jeq", 0x20: "jgt", 0x30: "jge", 0x40: "jset"}

// DisassembleRaw shows a raw program (one given as instructions rather
// than compiled here) the same way, without notes.
func DisassembleRaw(raw []bpf.RawInstruction) []string {
	return (&Program{Raw: raw}).Disassemble()
}
