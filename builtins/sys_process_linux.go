package builtins

import (
	"errors"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

func sysGetpgrp(Node, Args) (any, error) { return int64(unix.Getpgrp()), nil }

func sysGetsid(_ Node, a Args) (any, error) {
	pid := 0
	if a.Has(0) {
		pid = int(a.Int(0))
	}
	sid, err := unix.Getsid(pid)
	return intResult(int64(sid), sysErr("getsid", err))
}

// intResult returns an int, or the error alone.
func intResult(v int64, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// sysWaitpid waits as waitpid(2) does, and reaps what it reports: an
// exited child is gone afterwards (no zombie), and waitpid does not report
// it again. The node is told (Reaped), so that it forgets the child and
// sends its exit event, as when it reaps the child itself. With wnowait
// the child is left as it is.
func sysWaitpid(n Node, a Args) (any, error) {
	var opts int
	if a.Has(1) {
		opts = int(a.Int(1))
	}
	idtype, id := waitTarget(int(a.Int(0)))
	var si unix.Siginfo
	err := retry(func() error {
		return unix.Waitid(idtype, id, &si, opts|unix.WEXITED, nil)
	})
	if err != nil {
		return nil, sysErr("waitpid", err)
	}
	pid, code, ws := ChildWaitStatus(&si)
	if pid != 0 && opts&unix.WNOWAIT == 0 && (code == cldExited || code == cldKilled || code == cldDumped) {
		n.Reaped(pid, uint32(ws))
	}
	return waitRecord(pid, ws), nil
}

// waitTarget turns waitpid's pid into waitid's idtype and id: -1 any
// child, 0 the caller's group, -N group N, N the child N.
func waitTarget(pid int) (int, int) {
	switch {
	case pid == -1:
		return unix.P_ALL, 0
	case pid <= 0:
		return unix.P_PGID, -pid
	}
	return unix.P_PID, pid
}

// si_code values of SIGCHLD (asm-generic/siginfo.h).
const (
	cldExited    = 1
	cldKilled    = 2
	cldDumped    = 3
	cldTrapped   = 4
	cldStopped   = 5
	cldContinued = 6
)

// ChildWaitStatus is what a waitid(2) siginfo says of a child: its pid,
// si_code (cldExited…) and the wait status waitpid would have returned.
func ChildWaitStatus(si *unix.Siginfo) (pid int, code int32, ws unix.WaitStatus) {
	pid, code, status := childInfo(si)
	return pid, code, rawStatus(code, status)
}

// childInfo reads si_pid and si_status, which follow signo, errno and code
// (and, on 64-bit, padding to align the union).
func childInfo(si *unix.Siginfo) (pid int, code int32, status int32) {
	off := uintptr(12)
	if unsafe.Sizeof(uintptr(0)) == 8 {
		off = 16
	}
	b := (*[unsafe.Sizeof(unix.Siginfo{})]byte)(unsafe.Pointer(si))
	pid = int(*(*int32)(unsafe.Pointer(&b[off])))
	status = *(*int32)(unsafe.Pointer(&b[off+8]))
	return pid, si.Code, status
}

// rawStatus rebuilds the wait status that waitpid would have returned.
func rawStatus(code, status int32) unix.WaitStatus {
	switch code {
	case cldExited:
		return unix.WaitStatus(status&0xff) << 8
	case cldKilled:
		return unix.WaitStatus(status & 0x7f)
	case cldDumped:
		return unix.WaitStatus(status&0x7f | 0x80)
	case cldTrapped, cldStopped:
		return unix.WaitStatus(status&0xff)<<8 | 0x7f
	case cldContinued:
		return 0xffff
	}
	return 0
}

// waitRecord decodes a wait status: {pid, status} and one of exit_status,
// termsig, stopsig (signal names) or continued: 1. Pid 0 (wnohang, no
// change) has only {pid: 0, status: 0}.
func waitRecord(pid int, ws unix.WaitStatus) Record {
	r := Record{"pid": int64(pid), "status": int64(ws)}
	switch {
	case pid == 0:
	case ws.Exited():
		r["exit_status"] = int64(ws.ExitStatus())
	case ws.Signaled():
		r["termsig"] = SignalName(int(ws.Signal()))
	case ws.Stopped():
		r["stopsig"] = SignalName(int(ws.StopSignal()))
	case ws.Continued():
		r["continued"] = int64(1)
	}
	return r
}

// sysGetpriority returns the nice value: the raw syscall returns 20-nice
// (1..40) so that it is never negative; glibc undoes that, and so does this.
func sysGetpriority(_ Node, a Args) (any, error) {
	p, err := unix.Getpriority(int(a.Int(0)), int(a.Int(1)))
	return intResult(int64(20-p), sysErr("getpriority", err))
}

// sysSetpriority sets a nice value. On Linux prio_process 0 means the
// calling thread: the node's main thread, which is the process as ps shows
// it and the thread its children and programs inherit from.
func sysSetpriority(_ Node, a Args) (any, error) {
	return ok(sysErr("setpriority", unix.Setpriority(int(a.Int(0)), int(a.Int(1)), int(a.Int(2)))))
}

// sysSetproctitle names the process with PR_SET_NAME (the kernel keeps 15
// bytes, shown in /proc/PID/comm and by ps). alcove also overwrites argv;
// a Go program cannot, as the runtime owns the memory argv lives in.
func sysSetproctitle(_ Node, a Args) (any, error) {
	name, err := unix.BytePtrFromString(a.Str(0))
	if err != nil {
		return nil, sysErr("prctl PR_SET_NAME", err)
	}
	return ok(sysErr("prctl PR_SET_NAME",
		unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(name)), 0, 0, 0)))
}

func sysVersion(Node, Args) (any, error) { return Version, nil }

// sysFexecve runs the program open on fd with execveat(fd, "",
// AT_EMPTY_PATH), which needs no /proc. As with execve, success is the
// node's control socket closing. A #! script on an o_cloexec fd fails
// with enoent: its interpreter would have to open /dev/fd/N, closed by
// then (execveat(2)); alcove's Linux fexecve has the same limit. Unlike
// glibc's fexecve, an empty env is fine.
func sysFexecve(n Node, a Args) (any, error) {
	fd := a.Int(0)
	argv, err := syscall.SlicePtrFromStrings(a.Strs(1))
	if err != nil {
		return nil, sysErr("fexecve", err)
	}
	env, err := syscall.SlicePtrFromStrings(a.Strs(2))
	if err != nil {
		return nil, sysErr("fexecve", err)
	}
	if err := unix.Faccessat(int(fd), "", unix.X_OK, unix.AT_EMPTY_PATH|unix.AT_EACCESS); err != nil &&
		!errorsIsAny(err, unix.ENOSYS, unix.EINVAL) {
		return nil, sysErr("fexecve", err)
	}
	n.BeforeExec()
	return nil, sysErr("fexecve", execveat(fd, argv, env))
}

// execveat is fexecve's execveat(2), made again on EINTR, allocating
// nothing (as rawExecve: BeforeExec has applied the programs' limits).
func execveat(fd int64, argv, env []*byte) error {
	empty := [1]byte{}
	for {
		_, _, e := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(&empty[0])),
			uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&env[0])), unix.AT_EMPTY_PATH, 0)
		if e != unix.EINTR {
			return errnoErr(e)
		}
	}
}

func errorsIsAny(err error, errnos ...syscall.Errno) bool {
	for _, e := range errnos {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
