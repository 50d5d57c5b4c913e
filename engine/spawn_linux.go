package engine

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The runtime's fork hooks, as package syscall uses them: block signals and
// poison the stack guard around the clone, reset handlers in the child.
//
//go:linkname runtime_BeforeFork syscall.runtime_BeforeFork
func runtime_BeforeFork()

//go:linkname runtime_AfterFork syscall.runtime_AfterFork
func runtime_AfterFork()

//go:linkname runtime_AfterForkInChild syscall.runtime_AfterForkInChild
func runtime_AfterForkInChild()

// spawnFds is the child's fd layout after the shuffle: fd i gets fds[i].
const (
	fdCtl      = 3 // the node's control socket (close-on-exec)
	fdLifeline = 4 // read end of the lifeline pipe from the parent
	fdExe      = 5 // the sealed memfd holding the alsh binary
	fdBell     = 6 // an eventfd the driver also holds, rung after each event (ring)
	nSpawnFds  = 7
)

// spawnArgs is everything the child needs, prepared before the clone so
// that the child allocates nothing.
type spawnArgs struct {
	fds       [nSpawnFds]int
	argv      []*byte // NUL-terminated arrays for execveat
	envv      []*byte
	errPipe   int     // write end; the child writes its errno here on failure
	flags     uintptr // clone flags (namespaces)
	pdeathsig uintptr
	// With clone_newuser: the child waits for EOF on syncR (its parent
	// writes the uid/gid maps meanwhile), then becomes uid/gid (inside the
	// new namespace; -1 to keep its own) before the exec, so that the node
	// keeps its capabilities there.
	syncR, syncW int
	uid, gid     int
	// For spawn (a program straight away, fds 3–5 unused, -1): the path to
	// execve instead of the memfd, and the sandbox applied before it, in
	// this order: rlimits, chroot, chdir, groups dropped with the gid,
	// gid, uid.
	path          *byte
	rlimits       []spawnRlimit
	chroot, chdir *byte
	dropGroups    bool
}

// placeFds moves s.fds into fds 0 to nSpawnFds-1 in a child between clone
// and exec (raw syscalls only): first the error pipe and every fd a later
// one would overwrite out of the way, then each into place (a fd already
// in place loses close-on-exec).
//
//go:norace
//go:nosplit
func placeFds(s *spawnArgs) syscall.Errno {
	nextfd := nSpawnFds
	for i := 0; i < nSpawnFds; i++ {
		if s.fds[i] >= nextfd {
			nextfd = s.fds[i] + 1
		}
	}
	if s.errPipe >= nextfd {
		nextfd = s.errPipe + 1
	}
	if s.errPipe >= 0 && s.errPipe < nSpawnFds {
		if _, _, e := syscall.RawSyscall6(unix.SYS_DUP3, uintptr(s.errPipe), uintptr(nextfd), unix.O_CLOEXEC, 0, 0, 0); e != 0 {
			return e
		}
		s.errPipe = nextfd
		nextfd++
	}
	for i := 0; i < nSpawnFds; i++ {
		if s.fds[i] >= 0 && s.fds[i] < i {
			if _, _, e := syscall.RawSyscall6(unix.SYS_DUP3, uintptr(s.fds[i]), uintptr(nextfd), unix.O_CLOEXEC, 0, 0, 0); e != 0 {
				return e
			}
			s.fds[i] = nextfd
			nextfd++
		}
	}
	for i := 0; i < nSpawnFds; i++ {
		var e syscall.Errno
		switch {
		case s.fds[i] < 0:
		case s.fds[i] == i:
			_, _, e = syscall.RawSyscall6(unix.SYS_FCNTL, uintptr(i), unix.F_SETFD, 0, 0, 0, 0)
		default:
			_, _, e = syscall.RawSyscall6(unix.SYS_DUP3, uintptr(s.fds[i]), uintptr(i), 0, 0, 0, 0)
		}
		if e != 0 {
			return e
		}
	}
	return 0
}

type spawnRlimit struct {
	resource uintptr
	lim      unix.Rlimit
}

type cloneArgs struct {
	flags, pidFD, childTID, parentTID, exitSignal, stack, stackSize, tls uint64
	setTID, setTIDSize, cgroup                                           uint64
}

// rawSpawn clones and, in the child, puts the fds in place and executes the
// node binary from fdExe. Modelled on syscall.forkAndExecInChild1: between
// the clone and the exec the child may only make raw syscalls.
//
//go:norace
//go:nosplit
func rawSpawn(s *spawnArgs) (pid int, err1 syscall.Errno) {
	var (
		r1, e1 uintptr
		i      int
		ppid   uintptr
		flags  uintptr
		cl3    cloneArgs
		empty  [1]byte
	)
	ppid, _, _ = syscall.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
	flags = s.flags
	if haveVfork && s.syncR < 0 {
		flags |= unix.CLONE_VM | unix.CLONE_VFORK
	}
	// CLONE_CLEAR_SIGHAND: no handler of the node runs in the child
	// before its exec, where a signal now takes its default action. The
	// node's handler (sigHandler) would report it as the node's, and, in a
	// child that is pid 1 of a new pid namespace under a node that is pid 1
	// too, could not tell itself apart from the node. clone3 alone takes
	// it (and CLONE_NEWTIME, which overlaps clone(2)'s exit signal byte).
	cl3.flags = uint64(flags) | unix.CLONE_CLEAR_SIGHAND
	cl3.exitSignal = uint64(syscall.SIGCHLD)

	runtime_BeforeFork()
	r1, e1 = rawVforkSyscall(unix.SYS_CLONE3, uintptr(unsafe.Pointer(&cl3)), unsafe.Sizeof(cl3), 0)
	if e1 != 0 || r1 != 0 {
		runtime_AfterFork()
		return int(r1), syscall.Errno(e1)
	}

	// In the child.
	runtime_AfterForkInChild()
	reignoreInChild()

	if s.syncR >= 0 {
		syscall.RawSyscall(unix.SYS_CLOSE, uintptr(s.syncW), 0, 0)
		syscall.RawSyscall(unix.SYS_READ, uintptr(s.syncR), uintptr(unsafe.Pointer(&empty[0])), 1)
	}
	if err1 = placeFds(s); err1 != 0 {
		goto fail
	}

	// The sandbox, after the fds are in place (dup3 fails past a lowered
	// RLIMIT_NOFILE) and before the parent-death signal (a uid change
	// clears it).
	for i = 0; i < len(s.rlimits); i++ {
		_, _, err1 = syscall.RawSyscall6(unix.SYS_PRLIMIT64, 0, s.rlimits[i].resource, uintptr(unsafe.Pointer(&s.rlimits[i].lim)), 0, 0, 0)
		if err1 != 0 {
			goto fail
		}
	}
	if s.chroot != nil {
		if _, _, err1 = syscall.RawSyscall(unix.SYS_CHROOT, uintptr(unsafe.Pointer(s.chroot)), 0, 0); err1 != 0 {
			goto fail
		}
	}
	if s.chdir != nil {
		if _, _, err1 = syscall.RawSyscall(unix.SYS_CHDIR, uintptr(unsafe.Pointer(s.chdir)), 0, 0); err1 != 0 {
			goto fail
		}
	}
	if s.gid >= 0 {
		if s.dropGroups {
			if _, _, err1 = syscall.RawSyscall(unix.SYS_SETGROUPS, 0, 0, 0); err1 != 0 {
				goto fail
			}
		}
		if _, _, err1 = syscall.RawSyscall(unix.SYS_SETRESGID, uintptr(s.gid), uintptr(s.gid), uintptr(s.gid)); err1 != 0 {
			goto fail
		}
	}
	if s.uid >= 0 {
		if _, _, err1 = syscall.RawSyscall(unix.SYS_SETRESUID, uintptr(s.uid), uintptr(s.uid), uintptr(s.uid)); err1 != 0 {
			goto fail
		}
	}

	// A second guard beside the lifeline: die with the parent.
	if s.pdeathsig != 0 {
		_, _, err1 = syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, s.pdeathsig, 0, 0, 0, 0)
		if err1 != 0 {
			goto fail
		}
		r1, _, _ = syscall.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
		if r1 != ppid && r1 != 0 { // 0: the parent is outside our pid namespace
			err1 = syscall.ESRCH
			goto fail
		}
	}

	if s.path != nil {
		_, _, err1 = syscall.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(s.path)),
			uintptr(unsafe.Pointer(&s.argv[0])), uintptr(unsafe.Pointer(&s.envv[0])))
	} else {
		_, _, err1 = syscall.RawSyscall6(unix.SYS_EXECVEAT, fdExe, uintptr(unsafe.Pointer(&empty[0])),
			uintptr(unsafe.Pointer(&s.argv[0])), uintptr(unsafe.Pointer(&s.envv[0])), unix.AT_EMPTY_PATH, 0)
	}

fail:
	syscall.RawSyscall(unix.SYS_WRITE, uintptr(s.errPipe), uintptr(unsafe.Pointer(&err1)), unsafe.Sizeof(err1))
	for {
		syscall.RawSyscall(unix.SYS_EXIT_GROUP, 253, 0, 0)
	}
}

// cStrings turns strings into the NUL-terminated array execve wants.
func cStrings(ss []string) []*byte {
	out := make([]*byte, len(ss)+1)
	for i, s := range ss {
		p, err := unix.BytePtrFromString(s)
		if err != nil { // a NUL inside: keep the part before it
			p, _ = unix.BytePtrFromString(s[:indexNUL(s)])
		}
		out[i] = p
	}
	return out
}

func indexNUL(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return len(s)
}
