package proto

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The runtime-free landlock call: it makes a plan that the engine settled
// from the call's record (builtins.LandlockPlan: the rights the running
// ABI handles, each path's rights on a directory and on a file, the
// ports): a ruleset, a rule per path (opened O_PATH, its rights chosen by
// fstat) and per port, no_new_privs, landlock_restrict_self. Given a
// record, or a string that is no well-formed plan, the call is the node's
// Go code's, which also words every error: the engine makes the call
// again with the record when the plan fails (nothing of a failed plan
// lasts but no_new_privs, which the call sets anyway).

const rawLandlock = 111

// llPlanMagic is builtins.LandlockPlanMagic as a word.
const llPlanMagic = 0x314c4c68736c6100 // "\x00alshLL1", little-endian

// llScratch is what the plan's system calls point at.
type llScratch struct {
	ruleset [2]uint64 // struct landlock_ruleset_attr: fs, net
	beneath [12]byte  // struct landlock_path_beneath_attr (packed): allowed, parent_fd
	port    [2]uint64 // struct landlock_net_port_attr
	st      unix.Stat_t
	rs      uintptr // the ruleset's fd
	off, i  int     // where landlockRun is in the plan
}

// llWord reads the plan's 64-bit word at byte off (the caller checked
// that it lies inside).
//
//go:norace
//go:nosplit
func llWord(w *Words, off int) uint64 {
	return *(*uint64)(unsafe.Pointer(uintptr(llPlan(w)) + uintptr(off)))
}

// llByte reads the plan's byte at off.
//
//go:norace
//go:nosplit
func llByte(w *Words, off int) byte {
	return *(*byte)(unsafe.Pointer(uintptr(llPlan(w)) + uintptr(off)))
}

// llPlan is the plan's address, the string argument's word read as a
// pointer (what it points to is the message, or the node's copy).
//
//go:norace
//go:nosplit
func llPlan(w *Words) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&w.W[0]))
}

// landlockFits: the argument is a whole plan (each path NUL-terminated
// inside it, nothing after its last port).
//
//go:norace
//go:nosplit
func landlockFits(w *Words) bool {
	n := w.N[0]
	if w.Given != 1 || n < 40 || n%8 != 0 || llWord(w, 0) != llPlanMagic {
		return false
	}
	paths, ports := llWord(w, 24), llWord(w, 32)
	if paths > uint64(n) || ports > uint64(n) {
		return false
	}
	off := 40
	for i := uint64(0); i < paths; i++ {
		if off+24 > n {
			return false
		}
		l := llWord(w, off+16)
		if l > uint64(n) || off+24+int(l)+1 > n || llByte(w, off+24+int(l)) != 0 {
			return false
		}
		off += 24 + int(l) + 8 - int(l)%8
	}
	return off+16*int(ports) == n
}

// landlockRun makes the plan. It is one function, its state in w.LL: a
// proto-node calls it from protoRaw, deep in its nosplit stack.
//
//go:norace
//go:nosplit
func landlockRun(w *Words) StepResult {
	s := &w.LL
	s.ruleset = [2]uint64{llWord(w, 8), llWord(w, 16)}
	size := uintptr(16)
	if s.ruleset[1] == 0 {
		size = 8 // what ABI 1 to 3 know
	}
	rs, _, e := syscall.RawSyscall6(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&s.ruleset)), size, 0, 0, 0, 0)
	if e != 0 {
		return StepResult{Errno: e, Failed: -1}
	}
	s.rs, s.off = rs, 40
	for s.i = 0; uint64(s.i) < llWord(w, 24) && e == 0; s.i++ { // the paths
		fd, _, e1 := syscall.RawSyscall6(unix.SYS_OPENAT, atFdcwd, w.W[0]+uintptr(s.off+24), unix.O_PATH|unix.O_CLOEXEC, 0, 0, 0)
		if e = e1; e != 0 {
			break
		}
		*(*int32)(unsafe.Pointer(&s.beneath[8])) = int32(fd)
		*(*uint64)(unsafe.Pointer(&s.beneath[0])) = llWord(w, s.off) // on a directory
		if _, _, e = syscall.RawSyscall6(unix.SYS_FSTAT, fd, uintptr(unsafe.Pointer(&s.st)), 0, 0, 0, 0); e == 0 {
			if s.st.Mode&unix.S_IFMT != unix.S_IFDIR {
				*(*uint64)(unsafe.Pointer(&s.beneath[0])) = llWord(w, s.off+8)
			}
			_, _, e = syscall.RawSyscall6(unix.SYS_LANDLOCK_ADD_RULE, s.rs, unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&s.beneath[0])), 0, 0, 0)
		}
		syscall.RawSyscall6(unix.SYS_CLOSE, fd, 0, 0, 0, 0, 0)
		l := int(llWord(w, s.off+16))
		s.off += 24 + l + 8 - l%8
	}
	for s.i = 0; uint64(s.i) < llWord(w, 32) && e == 0; s.i++ { // the ports
		s.port = [2]uint64{llWord(w, s.off+8), llWord(w, s.off)}
		_, _, e = syscall.RawSyscall6(unix.SYS_LANDLOCK_ADD_RULE, s.rs, llRuleNetPort, uintptr(unsafe.Pointer(&s.port)), 0, 0, 0)
		s.off += 16
	}
	if img := s.ruleset[0] & (unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_READ_FILE); e == 0 && img != 0 {
		// The binary's image stays executable (execute and read_file:
		// an exec opens it for reading), for the boot and the node's
		// children (builtins.ImageFd); a memfd copy refuses the rule,
		// and Landlock does not govern it.
		*(*int32)(unsafe.Pointer(&s.beneath[8])) = FdExe
		*(*uint64)(unsafe.Pointer(&s.beneath[0])) = img
		syscall.RawSyscall6(unix.SYS_LANDLOCK_ADD_RULE, s.rs, unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&s.beneath[0])), 0, 0, 0)
	}
	if e == 0 {
		_, _, e = syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0)
	}
	if e == 0 {
		_, _, e = syscall.RawSyscall6(unix.SYS_LANDLOCK_RESTRICT_SELF, s.rs, 0, 0, 0, 0, 0)
	}
	syscall.RawSyscall6(unix.SYS_CLOSE, s.rs, 0, 0, 0, 0, 0)
	return StepResult{Errno: e, Failed: -1}
}

// llRuleNetPort is LANDLOCK_RULE_NET_PORT (ABI 4).
const llRuleNetPort = 2
