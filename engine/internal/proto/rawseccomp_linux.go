package proto

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The runtime-free seccomp call, with its program as the raw sock_filter
// bytes (8 per instruction). Its other forms (a list of instruction
// records, ok for NULL, a length that is no whole program) are left to
// the node's Go implementation, which words their errors.
//
// seccomp_load takes, besides its policies, a plan: a program the engine
// compiled from a policy record (builtins.SeccompProgram, engine's
// compiledcalls_linux.go), which it installs runtime-free, so that a
// proto-node loads a filter without booting; any other argument is its
// Go code's.

const (
	rawSeccomp = 110
	// rawSeccompLoad: seccomp_load of a plan.
	rawSeccompLoad = 112
)

// scPlanMagic is builtins.SeccompPlanMagic as a word.
const scPlanMagic = 0x314353687368c100 // "\x00\xc1hshSC1"
// seccompProg is the argument of this call that holds the program.
const seccompProg = 2

// sockFprog is struct sock_fprog, its filter kept as a uintptr (the words
// live in memory the parent's collector may scan).
type sockFprog struct {
	Len    uint16
	_      [3]uint16
	Filter uintptr
}

// seccompFits: the program is bytes of whole instructions, one at least,
// at most BPF_MAXINSNS's u16 count, as the node's bpfProg wants, and
// the flags hold neither tsync nor new_listener, whose results (a thread
// id, a listener fd) the node's Go code reads.
//
//go:norace
//go:nosplit
func seccompFits(w *Words) bool {
	n := w.N[seccompProg]
	return w.Given > seccompProg && n > 0 && n%8 == 0 && n/8 <= 0xffff &&
		(w.W[0] != unix.SECCOMP_SET_MODE_FILTER || w.W[1]&seccompOwnResults == 0)
}

// seccompOwnResults are the flags with results of their own.
const seccompOwnResults = unix.SECCOMP_FILTER_FLAG_TSYNC | unix.SECCOMP_FILTER_FLAG_NEW_LISTENER

// seccompPlan: seccomp(operation, flags, &prog).
//
//go:norace
//go:nosplit
func seccompPlan(w *Words) (uintptr, [6]uintptr) {
	w.Fprog = sockFprog{Len: uint16(w.N[seccompProg] / 8), Filter: w.W[seccompProg]}
	return unix.SYS_SECCOMP, [6]uintptr{w.W[0], w.W[1], uintptr(unsafe.Pointer(&w.Fprog))}
}

// seccompPlanFits: the argument is a plan: the magic, the flags, the
// count of instructions, and as many, as seccompFits wants them.
//
//go:norace
//go:nosplit
func seccompPlanFits(w *Words) bool {
	n := w.N[0] - 24
	return w.Given == 1 && n > 0 && n%8 == 0 && n/8 <= 0xffff && llWord(w, 0) == scPlanMagic &&
		llWord(w, 8)&seccompOwnResults == 0 && llWord(w, 16) == uint64(n/8)
}

// seccompLoadPlan: seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog).
//
//go:norace
//go:nosplit
func seccompLoadPlan(w *Words) (uintptr, [6]uintptr) {
	w.Fprog = sockFprog{Len: uint16((w.N[0] - 24) / 8), Filter: w.W[0] + 24}
	return unix.SYS_SECCOMP, [6]uintptr{unix.SECCOMP_SET_MODE_FILTER, uintptr(llWord(w, 8)), uintptr(unsafe.Pointer(&w.Fprog))}
}
