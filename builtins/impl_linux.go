package builtins

import (
	"errors"
	"os"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// impls are the node-side implementations of Table's calls, with those a
// group's file lists (cgroupImpls, networkImpls, pidfdImpls,
// terminalImpls). A test checks that every OnNode row has one. Lists,
// which the linker lays out: ImplOf makes its map at its first use, where
// maps built at a node's start took pages of their own.
var impls = []namedImpl{
	{"fork", sysFork},
	{"spawn", sysSpawn},
	{"clone", sysClone},
	{"execvp", sysExecvp},
	{"execve", sysExecve},
	{"exit", sysExit},
	{"getopt", sysGetopt},
	{"setopt", sysSetopt},
	{"setrlimit", sysSetrlimit},
	{"getpgrp", sysGetpgrp},
	{"getsid", sysGetsid},
	{"waitpid", sysWaitpid},
	{"getpriority", sysGetpriority},
	{"setpriority", sysSetpriority},
	{"setproctitle", sysSetproctitle},
	{"version", sysVersion},
	{"fexecve", sysFexecve},
	{"environ", sysEnviron},
	{"getenv", sysGetenv},
	{"setenv", sysSetenv},
	{"unsetenv", sysUnsetenv},
	{"clearenv", sysClearenv},
	{"readdir", sysReaddir},
	{"fcntl", sysFcntl},
	{"select", sysSelect},
	{"socket", sysSocket},
	{"unshare", sysUnshare},
	{"setns", sysSetns},
	{"constant", sysConstant},
	{"errno", sysErrno},
	{"filter", sysFilter},
	{"sigaction", sysSigaction},
	{"setcpid", sysSetcpid},
	{"prctl", sysPrctl},
	{"seccomp", sysSeccomp},
	{"ptrace", sysPtrace},
	{"alloc", sysAlloc},
	{"ioctl", sysIoctl},
	{"connect", sysConnect},

	// capabilities (calls_capabilities.go)
	{"capget", sysCapget},
	{"capset", sysCapset},
	{"capbset", sysCapbset},
	{"ambient", sysAmbient},
	{"securebits", sysSecurebits},
	{"cap_last_cap", sysCapLastCap},
	// seccomp by name (calls_seccomp.go)
	{"seccomp_load", sysSeccompLoad},
	{"seccomp_compile", sysSeccompCompile},
	{"seccomp_disasm", sysSeccompDisasm},
	{"seccomp_groups", sysSeccompGroups},
	// landlock (calls_landlock.go)
	{"landlock_abi", sysLandlockABI},
	{"landlock_create_ruleset", sysLandlockCreateRuleset},
	{"landlock_add_rule", sysLandlockAddRule},
	{"landlock_add_port", sysLandlockAddPort},
	{"landlock_restrict_self", sysLandlockRestrictSelf},
	{"landlock", sysLandlock},
}

// namedImpl is a node-side call's name and its implementation.
type namedImpl struct {
	name string
	impl Impl
}

// implsSorted is every list's implementations in one, sorted by name for
// ImplOf's binary search: a map of them took a size class of its own
// in every node (3.4 KiB, 4 KiB resident), the slice shares one.
var implsSorted = sync.OnceValue(func() []namedImpl {
	lists := [][]namedImpl{impls, cgroupImpls, networkImpls, pidfdImpls, terminalImpls}
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	all := make([]namedImpl, 0, n)
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.SortFunc(all, func(a, b namedImpl) int { return strings.Compare(a.name, b.name) })
	return all
})

// ImplOf returns the implementation of a node-side call.
func ImplOf(name string) (Impl, bool) {
	all := implsSorted()
	i, ok := slices.BinarySearchFunc(all, name, func(e namedImpl, name string) int { return strings.Compare(e.name, name) })
	if !ok {
		return nil, false
	}
	return all[i].impl, true
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

func sysGetopt(n Node, a Args) (any, error) { return n.Option(int(a.Int(0))) }

func sysSetopt(n Node, a Args) (any, error) {
	return ok(n.SetOption(int(a.Int(0)), a.Int(1)))
}
