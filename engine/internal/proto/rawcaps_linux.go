package proto

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The runtime-free capability calls: each is a loop of prctl(2) over the
// bits of a capability mask (or one prctl), made in order and stopped at
// the first failure, as the node's Go code made them. They are "step"
// calls: more than one system call, so their result says which
// capabilities were applied before the one that failed (StepResult), and
// the node words that as builtins.CapCallError does. A proto-node serves
// them when they succeed; when one fails it boots, and its node makes the
// call again and words the error: every step can be made twice with the
// same result (a dropped, raised or lowered capability stays so, and a
// failed step changed nothing).
//
// A proto-node holds its bounding-set drops back (State.capDrop) until
// just before it execs a program, changes its ids, loads a seccomp filter
// (which may deny prctl), or boots, when it
// hands them to its node (the last 20 digits of the carried= word), which
// makes them at its start. Made at once, they would change what the
// boot's exec gives a root process: its permitted set becomes the
// bounding set, so the node would lack capabilities that a node which had
// made the drop itself still holds (and a process that is not root could
// not carry its capabilities across: protoCarryCaps). No system call a
// proto-node serves reads the bounding set, and the drop is checked at
// once (cap_setpcap effective, which PR_CAPBSET_DROP needs), so the call's
// result is the node's.

const (
	rawCapbsetDrop = iota + 100
	rawCapbsetKeep
	rawAmbientRaise
	rawAmbientLower
	rawAmbientClear
	rawSecurebitsSet
)

// secbitKeepCaps is SECBIT_KEEP_CAPS, which an exec clears: a proto-node
// boots before setting it, so that its node keeps it. Under
// secbitNoCapAmbientRaise protoCarryCaps could not carry a capability
// across the boot: it boots before setting that one too. Under
// secbitNoroot the boot's exec gives root no capability: protoCarryCaps
// carries them as it does for a process that is not root.
const (
	secbitNoroot            = 1 << 0
	secbitKeepCaps          = 1 << 4
	secbitNoCapAmbientRaise = 1 << 6
)

// StepResult is how a step call ended: Errno 0, or the errno of the step
// that failed, with Done the capabilities applied before it and Failed
// the capability it failed at (-1: a call of one prctl).
type StepResult struct {
	Errno  syscall.Errno
	Done   uint64
	Failed int
}

// Steps: the call is made by RunSteps (more than one system call), not
// by Plan.
//
//go:norace
//go:nosplit
func (d *RawDesc) Steps() bool {
	return d.id >= rawCapbsetDrop && d.id <= rawSecurebitsSet || d.id == rawLandlock || d.id == rawLinkUp || d.id == rawLinkDown
}

// RunSteps makes a step call on the calling thread.
//
//go:norace
//go:nosplit
func (d *RawDesc) RunSteps(w *Words) StepResult {
	m := uint64(w.W[0])
	switch d.id {
	case rawCapbsetDrop:
		return capLoop(m, unix.PR_CAPBSET_DROP, 0, true)
	case rawCapbsetKeep:
		return capLoop(^m, unix.PR_CAPBSET_DROP, 0, true)
	case rawAmbientRaise:
		return capLoop(m, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, false)
	case rawAmbientLower:
		return capLoop(m, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_LOWER, false)
	case rawAmbientClear:
		return onePrctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL)
	case rawSecurebitsSet:
		return onePrctl(unix.PR_SET_SECUREBITS, uintptr(m))
	case rawLandlock:
		return landlockRun(w)
	case rawLinkUp, rawLinkDown:
		return linkRun(w, d.id == rawLinkUp)
	}
	return StepResult{Errno: syscall.ENOSYS, Failed: -1}
}

//go:norace
//go:nosplit
func onePrctl(option, arg uintptr) StepResult {
	_, _, e := syscall.RawSyscall6(unix.SYS_PRCTL, option, arg, 0, 0, 0, 0)
	return StepResult{Errno: e, Failed: -1}
}

// capLoop applies prctl(option, [sub,] n) to each capability n of m, in
// order. With boundedByKernel, the capabilities the kernel does not have
// (PR_CAPBSET_READ answers EINVAL: past its last one) are in no set and
// are left out, as the node left out those past cap_last_cap.
//
//go:norace
//go:nosplit
func capLoop(m uint64, option, sub uintptr, boundedByKernel bool) StepResult {
	var done uint64
	for n := uint(0); n < 64; n++ {
		if m&(1<<n) == 0 {
			continue
		}
		if boundedByKernel {
			if _, _, e := syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0, 0); e == syscall.EINVAL {
				break
			}
		}
		var e syscall.Errno
		if sub != 0 {
			_, _, e = syscall.RawSyscall6(unix.SYS_PRCTL, option, sub, uintptr(n), 0, 0, 0)
		} else {
			_, _, e = syscall.RawSyscall6(unix.SYS_PRCTL, option, uintptr(n), 0, 0, 0, 0)
		}
		if e != 0 {
			return StepResult{Errno: e, Done: done, Failed: int(n)}
		}
		done |= 1 << n
	}
	return StepResult{Failed: -1}
}

// protoStepsDone makes a step call in a proto-node, which then replies
// ok; false: it boots instead, before the call when the boot's exec would
// undo its effect, or after it failed, and its node makes the call again
// and words the error.
//
//go:norace
//go:nosplit
func protoStepsDone(ps *State, desc *RawDesc) bool {
	switch desc.id {
	case rawSecurebitsSet:
		if ps.words.W[0]&(secbitKeepCaps|secbitNoCapAmbientRaise) != 0 {
			return false
		}
	case rawCapbsetDrop, rawCapbsetKeep:
		if protoSetpcap(ps) {
			m := uint64(ps.words.W[0])
			if desc.id == rawCapbsetKeep {
				m = ^m
			}
			ps.capDrop |= kernelCaps(m)
			return true
		}
	}
	return desc.RunSteps(&ps.words).Errno == 0
}

// protoSetpcap: cap_setpcap is effective, so every drop of a capability
// the kernel has succeeds.
//
//go:norace
//go:nosplit
func protoSetpcap(ps *State) bool {
	ps.capHdr = [2]uint32{unix.LINUX_CAPABILITY_VERSION_3, 0}
	_, _, e := syscall.RawSyscall(unix.SYS_CAPGET, uintptr(unsafe.Pointer(&ps.capHdr[0])), uintptr(unsafe.Pointer(&ps.capData[0])), 0)
	return e == 0 && ps.capData[0]&(1<<unix.CAP_SETPCAP) != 0
}

// kernelCaps keeps the capabilities of m the kernel has (those below
// the first that PR_CAPBSET_READ refuses).
//
//go:norace
//go:nosplit
func kernelCaps(m uint64) uint64 {
	for n := uint(0); n < 64; n++ {
		if _, _, e := syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0, 0); e == syscall.EINVAL {
			return m & (1<<n - 1)
		}
	}
	return m
}

// protoApplyCapDrop makes the bounding-set drops held back.
//
//go:norace
//go:nosplit
func protoApplyCapDrop(ps *State) {
	if ps.capDrop != 0 {
		capLoop(ps.capDrop, unix.PR_CAPBSET_DROP, 0, false)
		ps.capDrop = 0
	}
}

// protoCarryDrop hands the drops held back to the node the proto-node
// boots into (carried=, read by the node's lowerCarried).
//
//go:norace
//go:nosplit
func protoCarryDrop(ps *State) {
	if len(ps.carried) >= 60 {
		putDigits(ps.carried[40:60], ps.capDrop)
	} else {
		protoApplyCapDrop(ps)
	}
}
