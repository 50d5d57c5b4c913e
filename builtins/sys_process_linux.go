package builtins

import (
	"errors"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

func sysGetpgrp(Node, Args) (any, error) { return int64(unix.Getpgrp()), nil }

func sysSetpgid(_ Node, a Args) (any, error) {
	return ok(sysErr("setpgid", unix.Setpgid(int(a.Int(0)), int(a.Int(1)))))
}

func sysGetsid(_ Node, a Args) (any, error) {
	pid := 0
	if a.Has(0) {
		pid = int(a.Int(0))
	}
	sid, err := unix.Getsid(pid)
	return intResult(int64(sid), sysErr("getsid", err))
}

func sysSetsid(Node, Args) (any, error) {
	sid, err := unix.Setsid()
	return intResult(int64(sid), sysErr("setsid", err))
}

// intResult returns an int, or the error alone.
func intResult(v int64, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// sysWaitpid waits with wait4. The node reaps its exited children itself
// (on SIGCHLD, between calls, to report exit events), so waitpid mostly
// sees stopped and continued children (wuntraced, wcontinued) and children
// that end while it waits.
func sysWaitpid(_ Node, a Args) (any, error) {
	var opts int
	if a.Has(1) {
		opts = int(a.Int(1))
	}
	var ws unix.WaitStatus
	var pid int
	err := retry(func() (err error) {
		pid, err = unix.Wait4(int(a.Int(0)), &ws, opts, nil)
		return err
	})
	if err != nil {
		return nil, sysErr("waitpid", err)
	}
	return waitRecord(pid, ws), nil
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
// node's control socket closing.
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
	return nil, sysErr("fexecve", retry(func() error { return execveat(fd, argv, env) }))
}

func execveat(fd int64, argv, env []*byte) error {
	empty := [1]byte{}
	_, _, e := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(&empty[0])),
		uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&env[0])), unix.AT_EMPTY_PATH, 0)
	if e != 0 {
		return e
	}
	return nil
}

func errorsIsAny(err error, errnos ...syscall.Errno) bool {
	for _, e := range errnos {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
