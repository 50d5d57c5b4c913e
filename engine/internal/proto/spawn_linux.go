package proto

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
	FdCtl      = 3 // the node's control socket (close-on-exec)
	FdLifeline = 4 // read end of the lifeline pipe from the parent
	FdExe      = 5 // the sealed memfd holding the alsh binary
	FdBell     = 6 // an eventfd the driver also holds, rung after each event (ring)
	NSpawnFds  = 7
)

// SpawnArgs is everything the child needs, prepared before the clone so
// that the child allocates nothing.
type SpawnArgs struct {
	Fds       [NSpawnFds]int
	Argv      []*byte // NUL-terminated arrays for execveat
	Envv      []*byte
	ErrPipe   int     // write end; the child writes its errno here on failure
	Flags     uintptr // clone flags (namespaces)
	Pdeathsig uintptr
	// With clone_newuser: the child waits for EOF on syncR (its parent
	// writes the uid/gid maps meanwhile), then becomes uid/gid (inside the
	// new namespace; -1 to keep its own) before the exec, so that the node
	// keeps its capabilities there.
	SyncR, SyncW int
	Uid, Gid     int
	// For spawn (a program straight away, fds 3–5 unused, -1): the path to
	// execve instead of the memfd, and the sandbox applied before it, in
	// this order: rlimits, chroot, chdir, groups dropped with the gid,
	// gid, uid.
	Path          *byte
	Rlimits       []SpawnRlimit
	Chroot, Chdir *byte
	DropGroups    bool
	// Root: the proto-node is the tree's root, which the driver starts
	// (no lifeline: its control socket is one): a session of its own,
	// the subreaper of its descendants.
	Root bool
}

// placeFds moves s.Fds into fds 0 to NSpawnFds-1 in a child between clone
// and exec (raw syscalls only): first the error pipe and every fd a later
// one would overwrite out of the way, then each into place (a fd already
// in place loses close-on-exec).
//
//go:norace
//go:nosplit
func placeFds(s *SpawnArgs) syscall.Errno {
	nextfd := NSpawnFds
	for i := 0; i < NSpawnFds; i++ {
		if s.Fds[i] >= nextfd {
			nextfd = s.Fds[i] + 1
		}
	}
	if s.ErrPipe >= nextfd {
		nextfd = s.ErrPipe + 1
	}
	if s.ErrPipe >= 0 && s.ErrPipe < NSpawnFds {
		if _, _, e := syscall.RawSyscall6(unix.SYS_DUP3, uintptr(s.ErrPipe), uintptr(nextfd), unix.O_CLOEXEC, 0, 0, 0); e != 0 {
			return e
		}
		s.ErrPipe = nextfd
		nextfd++
	}
	for i := 0; i < NSpawnFds; i++ {
		if s.Fds[i] >= 0 && s.Fds[i] < i {
			if _, _, e := syscall.RawSyscall6(unix.SYS_DUP3, uintptr(s.Fds[i]), uintptr(nextfd), unix.O_CLOEXEC, 0, 0, 0); e != 0 {
				return e
			}
			s.Fds[i] = nextfd
			nextfd++
		}
	}
	for i := 0; i < NSpawnFds; i++ {
		var e syscall.Errno
		switch {
		case s.Fds[i] < 0:
		case s.Fds[i] == i:
			_, _, e = syscall.RawSyscall6(unix.SYS_FCNTL, uintptr(i), unix.F_SETFD, 0, 0, 0, 0)
		default:
			_, _, e = syscall.RawSyscall6(unix.SYS_DUP3, uintptr(s.Fds[i]), uintptr(i), 0, 0, 0, 0)
		}
		if e != 0 {
			return e
		}
	}
	return 0
}

// SpawnRlimit is one limit a spawned program gets (prlimit64).
type SpawnRlimit struct {
	Resource uintptr
	Lim      unix.Rlimit
}

type cloneArgs struct {
	flags, pidFD, childTID, parentTID, exitSignal, stack, stackSize, tls uint64
	setTID, setTIDSize, cgroup                                           uint64
}

// RawSpawn clones and, in the child, puts the fds in place and executes the
// node binary from FdExe. Modelled on syscall.forkAndExecInChild1: between
// the clone and the exec the child may only make raw syscalls.
//
//go:norace
//go:nosplit
func RawSpawn(s *SpawnArgs) (pid int, err1 syscall.Errno) {
	var (
		r1, e1 uintptr
		i      int
		ppid   uintptr
		flags  uintptr
		cl3    cloneArgs
		empty  [1]byte
	)
	ppid, _, _ = syscall.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
	flags = s.Flags
	if haveVfork && s.SyncR < 0 {
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
	if syscall.Errno(e1) == syscall.ENOSYS && flags&unix.CLONE_NEWTIME == 0 {
		// A seccomp filter refuses clone3 so that libc falls back to
		// clone (Docker's default profile without cap_sys_admin); the
		// child then clears the caught signals' handlers itself.
		cl3.flags = 0
		r1, e1 = rawVforkSyscall(unix.SYS_CLONE, flags|uintptr(syscall.SIGCHLD), 0, 0)
	}
	if e1 != 0 || r1 != 0 {
		runtime_AfterFork()
		return int(r1), syscall.Errno(e1)
	}

	// In the child.
	runtime_AfterForkInChild()
	if cl3.flags == 0 {
		defaultCaughtInChild()
	}
	reignoreInChild()

	if s.SyncR >= 0 {
		syscall.RawSyscall(unix.SYS_CLOSE, uintptr(s.SyncW), 0, 0)
		syscall.RawSyscall(unix.SYS_READ, uintptr(s.SyncR), uintptr(unsafe.Pointer(&empty[0])), 1)
	}
	if err1 = placeFds(s); err1 != 0 {
		goto fail
	}

	// The sandbox, after the fds are in place (dup3 fails past a lowered
	// RLIMIT_NOFILE) and before the parent-death signal (a uid change
	// clears it).
	for i = 0; i < len(s.Rlimits); i++ {
		_, _, err1 = syscall.RawSyscall6(unix.SYS_PRLIMIT64, 0, s.Rlimits[i].Resource, uintptr(unsafe.Pointer(&s.Rlimits[i].Lim)), 0, 0, 0)
		if err1 != 0 {
			goto fail
		}
	}
	if s.Chroot != nil {
		if _, _, err1 = syscall.RawSyscall(unix.SYS_CHROOT, uintptr(unsafe.Pointer(s.Chroot)), 0, 0); err1 != 0 {
			goto fail
		}
	}
	if s.Chdir != nil {
		if _, _, err1 = syscall.RawSyscall(unix.SYS_CHDIR, uintptr(unsafe.Pointer(s.Chdir)), 0, 0); err1 != 0 {
			goto fail
		}
	}
	if s.Gid >= 0 {
		if s.DropGroups {
			if _, _, err1 = syscall.RawSyscall(unix.SYS_SETGROUPS, 0, 0, 0); err1 != 0 {
				goto fail
			}
		}
		if _, _, err1 = syscall.RawSyscall(unix.SYS_SETRESGID, uintptr(s.Gid), uintptr(s.Gid), uintptr(s.Gid)); err1 != 0 {
			goto fail
		}
	}
	if s.Uid >= 0 {
		if _, _, err1 = syscall.RawSyscall(unix.SYS_SETRESUID, uintptr(s.Uid), uintptr(s.Uid), uintptr(s.Uid)); err1 != 0 {
			goto fail
		}
	}

	// A second guard beside the lifeline: die with the parent.
	if s.Pdeathsig != 0 {
		_, _, err1 = syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, s.Pdeathsig, 0, 0, 0, 0)
		if err1 != 0 {
			goto fail
		}
		r1, _, _ = syscall.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
		if r1 != ppid && r1 != 0 { // 0: the parent is outside our pid namespace
			err1 = syscall.ESRCH
			goto fail
		}
	}

	if s.Path != nil {
		_, _, err1 = syscall.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(s.Path)),
			uintptr(unsafe.Pointer(&s.Argv[0])), uintptr(unsafe.Pointer(&s.Envv[0])))
	} else {
		_, _, err1 = syscall.RawSyscall6(unix.SYS_EXECVEAT, FdExe, uintptr(unsafe.Pointer(&empty[0])),
			uintptr(unsafe.Pointer(&s.Argv[0])), uintptr(unsafe.Pointer(&s.Envv[0])), unix.AT_EMPTY_PATH, 0)
	}

fail:
	syscall.RawSyscall(unix.SYS_WRITE, uintptr(s.ErrPipe), uintptr(unsafe.Pointer(&err1)), unsafe.Sizeof(err1))
	for {
		syscall.RawSyscall(unix.SYS_EXIT_GROUP, 253, 0, 0)
	}
}

// CStrings turns strings into the NUL-terminated array execve wants.
func CStrings(ss []string) []*byte {
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
