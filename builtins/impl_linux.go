package builtins

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// impls maps each node-side call of Table to its implementation. A test
// checks that every OnNode row has one.
var impls = map[string]Impl{
	"fork":         sysFork,
	"spawn":        sysSpawn,
	"clone":        sysClone,
	"execvp":       sysExecvp,
	"execve":       sysExecve,
	"exit":         sysExit,
	"kill":         sysKill,
	"getpid":       sysGetpid,
	"getppid":      sysGetppid,
	"getopt":       sysGetopt,
	"setopt":       sysSetopt,
	"setuid":       sysSetuid,
	"setgid":       sysSetgid,
	"chroot":       sysChroot,
	"chdir":        sysChdir,
	"getcwd":       sysGetcwd,
	"getrlimit":    sysGetrlimit,
	"setrlimit":    sysSetrlimit,
	"sethostname":  sysSethostname,
	"gethostname":  sysGethostname,
	"getpgrp":      sysGetpgrp,
	"setpgid":      sysSetpgid,
	"getsid":       sysGetsid,
	"setsid":       sysSetsid,
	"waitpid":      sysWaitpid,
	"getpriority":  sysGetpriority,
	"setpriority":  sysSetpriority,
	"setproctitle": sysSetproctitle,
	"version":      sysVersion,
	"fexecve":      sysFexecve,
	"getuid":       sysGetuid,
	"geteuid":      sysGeteuid,
	"getgid":       sysGetgid,
	"getegid":      sysGetegid,
	"getresuid":    sysGetresuid,
	"getresgid":    sysGetresgid,
	"setresuid":    sysSetresuid,
	"setresgid":    sysSetresgid,
	"getgroups":    sysGetgroups,
	"setgroups":    sysSetgroups,
	"environ":      sysEnviron,
	"getenv":       sysGetenv,
	"setenv":       sysSetenv,
	"unsetenv":     sysUnsetenv,
	"clearenv":     sysClearenv,
	"chmod":        sysChmod,
	"chown":        sysChown,
	"link":         sysLink,
	"symlink":      sysSymlink,
	"unlink":       sysUnlink,
	"mkdir":        sysMkdir,
	"rmdir":        sysRmdir,
	"mkfifo":       sysMkfifo,
	"readdir":      sysReaddir,
	"mount":        sysMount,
	"umount":       sysUmount,
	"umount2":      sysUmount2,
	"pivot_root":   sysPivotRoot,
	"open":         sysOpen,
	"close":        sysClose,
	"read":         sysRead,
	"write":        sysWrite,
	"lseek":        sysLseek,
	"fcntl":        sysFcntl,
	"select":       sysSelect,
	"socket":       sysSocket,
	"unshare":      sysUnshare,
	"setns":        sysSetns,
	"constant":     sysConstant,
	"errno":        sysErrno,
	"filter":       sysFilter,
	"sigaction":    sysSigaction,
	"setcpid":      sysSetcpid,
	"prctl":        sysPrctl,
	"seccomp":      sysSeccomp,
	"ptrace":       sysPtrace,
	"alloc":        sysAlloc,
	"ioctl":        sysIoctl,
	"connect":      sysConnect,

	// mount_setattr keeps the flags a remount would have to restate.
	"mount_setattr": sysMountSetattr,
	// capabilities (calls_capabilities.go)
	"capget":         sysCapget,
	"capset":         sysCapset,
	"capbset":        sysCapbset,
	"capbset_drop":   sysCapbsetDrop,
	"capbset_keep":   sysCapbsetKeep,
	"ambient":        sysAmbient,
	"ambient_raise":  sysAmbientRaise,
	"ambient_lower":  sysAmbientLower,
	"ambient_clear":  sysAmbientClear,
	"securebits":     sysSecurebits,
	"securebits_set": sysSecurebitsSet,
	"no_new_privs":   sysNoNewPrivs,
	"cap_last_cap":   sysCapLastCap,
	// seccomp by name (calls_seccomp.go)
	"seccomp_load":    sysSeccompLoad,
	"seccomp_compile": sysSeccompCompile,
	"seccomp_disasm":  sysSeccompDisasm,
	"seccomp_groups":  sysSeccompGroups,
	// landlock (calls_landlock.go)
	"landlock_abi":            sysLandlockABI,
	"landlock_create_ruleset": sysLandlockCreateRuleset,
	"landlock_add_rule":       sysLandlockAddRule,
	"landlock_add_port":       sysLandlockAddPort,
	"landlock_restrict_self":  sysLandlockRestrictSelf,
	"landlock":                sysLandlock,
}

// ImplOf returns the implementation of a node-side call.
func ImplOf(name string) (Impl, bool) {
	f, ok := impls[name]
	return f, ok
}

// retry runs a syscall until it does not fail with EINTR (the Go runtime's
// preemption signal interrupts raw syscalls).
func retry(f func() error) error {
	for {
		err := f()
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// sysErr wraps a failed syscall, keeping its name and errno.
func sysErr(name string, err error) error {
	if err == nil {
		return nil
	}
	return os.NewSyscallError(name, err)
}

// pathErr wraps a failed path syscall, keeping the path and errno.
func pathErr(op, path string, err error) error {
	if err == nil {
		return nil
	}
	return &os.PathError{Op: op, Path: path, Err: err}
}

// ok is the result of a call that returns nothing but success.
func ok(err error) (any, error) { return nil, err }

func sysGetpid(Node, Args) (any, error)  { return int64(unix.Getpid()), nil }
func sysGetppid(Node, Args) (any, error) { return int64(unix.Getppid()), nil }

func sysKill(_ Node, a Args) (any, error) {
	return ok(sysErr("kill", retry(func() error {
		return unix.Kill(int(a.Int(0)), syscall.Signal(a.Int(1)))
	})))
}

// setuid and setgid go through package syscall, which changes every thread
// of the process (x/sys/unix would change only the calling thread).
func sysSetuid(_ Node, a Args) (any, error) {
	return ok(sysErr("setuid", syscall.Setuid(int(a.Int(0)))))
}

func sysSetgid(_ Node, a Args) (any, error) {
	return ok(sysErr("setgid", syscall.Setgid(int(a.Int(0)))))
}

func sysChroot(_ Node, a Args) (any, error) { return pathCall("chroot", a.Str(0), unix.Chroot) }
func sysChdir(_ Node, a Args) (any, error)  { return pathCall("chdir", a.Str(0), unix.Chdir) }

func sysGetcwd(Node, Args) (any, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Getcwd(buf)
	if err != nil {
		return nil, sysErr("getcwd", err)
	}
	return string(buf[:n-1]), nil // n counts the trailing NUL
}

func sysSethostname(_ Node, a Args) (any, error) {
	return ok(sysErr("sethostname", unix.Sethostname([]byte(a.Str(0)))))
}

func sysGethostname(Node, Args) (any, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return nil, sysErr("uname", err)
	}
	return unix.ByteSliceToString(u.Nodename[:]), nil
}

func sysGetopt(n Node, a Args) (any, error) { return n.Option(int(a.Int(0))) }

func sysSetopt(n Node, a Args) (any, error) {
	return ok(n.SetOption(int(a.Int(0)), a.Int(1)))
}
