package seccomp

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// A small assembler over golang.org/x/net/bpf with labels, so that the
// compiler need not count instructions: jumps name a label and resolve to
// skips once the program is laid out.

type label int

// next is the label of the instruction that follows: no jump.
const next label = -1

// insn is an instruction, a jump (ja) or a conditional jump (jt, jf).
type insn struct {
	op     bpf.Instruction // the instruction, nil for jumps
	jump   bool            // an unconditional jump to ja
	ja     label
	jt, jf label // a conditional jump's targets
	cond   bpf.JumpTest
	val    uint32
	note   string
}

type assembler struct {
	ins []insn
	at  []int // each label's position, -1 until marked
}

func (a *assembler) newLabel() label {
	a.at = append(a.at, -1)
	return label(len(a.at) - 1)
}

func (a *assembler) mark(l label) { a.at[l] = len(a.ins) }

func (a *assembler) emit(op bpf.Instruction, note string) {
	a.ins = append(a.ins, insn{op: op, note: note})
}

func (a *assembler) load(off uint32, note string) {
	a.emit(bpf.LoadAbsolute{Off: off, Size: 4}, note)
}

func (a *assembler) ret(act Action) {
	a.emit(bpf.RetConstant{Val: act.ret()}, act.String())
}

func (a *assembler) jumpIf(cond bpf.JumpTest, val uint32, jt, jf label, note string) {
	a.ins = append(a.ins, insn{cond: cond, val: val, jt: jt, jf: jf, note: note})
}

func (a *assembler) jumpTo(l label, note string) {
	a.ins = append(a.ins, insn{jump: true, ja: l, note: note})
}

// skip is how many instructions a jump from i to l skips.
func (a *assembler) skip(i int, l label) (uint32, error) {
	if l == next {
		return 0, nil
	}
	if a.at[l] <= i {
		return 0, fmt.Errorf("seccomp: jump back from instruction %d", i)
	}
	return uint32(a.at[l] - i - 1), nil
}

// resolve lays the program out.
func (a *assembler) resolve() ([]bpf.Instruction, error) {
	out := make([]bpf.Instruction, len(a.ins))
	for i, in := range a.ins {
		switch {
		case in.op != nil:
			out[i] = in.op
		case in.jump:
			s, err := a.skip(i, in.ja)
			if err != nil {
				return nil, err
			}
			out[i] = bpf.Jump{Skip: s}
		default:
			jt, err1 := a.skip(i, in.jt)
			jf, err2 := a.skip(i, in.jf)
			if err1 != nil || err2 != nil || jt > 255 || jf > 255 {
				return nil, fmt.Errorf("seccomp: a jump at instruction %d is too long (%d, %d): too many conditions on one syscall", i, jt, jf)
			}
			out[i] = bpf.JumpIf{Cond: in.cond, Val: in.val, SkipTrue: uint8(jt), SkipFalse: uint8(jf)}
		}
	}
	return out, nil
}
