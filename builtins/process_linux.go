package builtins

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

func sysFork(n Node, _ Args) (any, error) { return n.Spawn(0, nil) }

func sysSpawn(n Node, a Args) (any, error) {
	opts, err := optRecord(a, 2, "spawn", "opts", "{env, rlimits, chroot, chdir, gid, uid}")
	if err != nil {
		return nil, err
	}
	return n.SpawnProgram(a.Str(0), a.Strs(1), opts)
}

func sysClone(n Node, a Args) (any, error) {
	maps, err := optRecord(a, 1, "clone", "maps", "{uid: \"…\", gid: \"…\"}")
	if err != nil {
		return nil, err
	}
	return n.Spawn(a.Int(0), maps)
}

// optRecord reads optional argument i, which must be a record when given
// (its kind is Any, so Convert let any value through); absent, it is nil.
func optRecord(a Args, i int, call, name, shape string) (Record, error) {
	if !a.Has(i) {
		return nil, nil
	}
	r, ok := a.Value(i).(Record)
	if !ok {
		return nil, &ArgError{Call: call, N: i + 1, Name: name, Msg: "want a record " + shape}
	}
	return r, nil
}

// sysExecvp searches PATH for a file without a slash; a file with one is
// executed as it is, and a failure is execve's errno (eacces for a file in
// a directory the caller may not search), as execvp(3) reports it.
func sysExecvp(n Node, a Args) (any, error) {
	file := a.Str(0)
	if strings.Contains(file, "/") {
		return execveAs(n, "execvp", file, a.Strs(1), os.Environ())
	}
	path, err := exec.LookPath(file)
	if err != nil {
		return nil, pathErr("execvp", file, unix.ENOENT)
	}
	return execve(n, path, a.Strs(1), os.Environ())
}

func sysExecve(n Node, a Args) (any, error) {
	return execve(n, a.Str(0), a.Strs(1), a.Strs(2))
}

// execve replaces the node. Its control socket is close-on-exec, so the
// driver sees it close: that is the success reply.
func execve(n Node, path string, argv, env []string) (any, error) {
	return execveAs(n, "execve", path, argv, env)
}

// execveAs is execve whose errors name the call op. Its arguments are
// made C strings before BeforeExec, which applies the limits a node keeps
// for its programs (RLIMIT_AS): an allocation under them that grew the Go
// heap killed the node before its exec (syscall.Exec allocates them).
// A node has given Go's raise of RLIMIT_NOFILE back already (its start's
// setrlimit), so syscall.Exec would restore nothing more.
func execveAs(n Node, op, path string, argv, env []string) (any, error) {
	if err := unix.Access(path, unix.X_OK); err != nil {
		return nil, pathErr(op, path, err)
	}
	pathp, err := syscall.BytePtrFromString(path)
	if err != nil {
		return nil, pathErr(op, path, err)
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return nil, pathErr(op, path, err)
	}
	envp, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return nil, pathErr(op, path, err)
	}
	undo := n.BeforeExec()
	err = rawExecve(pathp, argvp, envp)
	undo()
	return nil, pathErr(op, path, err)
}

// rawExecve is execve(2), made again on EINTR, allocating nothing.
func rawExecve(path *byte, argv, env []*byte) error {
	for {
		_, _, e := syscall.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(path)),
			uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&env[0])))
		if e != unix.EINTR {
			return errnoErr(e)
		}
	}
}

func sysExit(_ Node, a Args) (any, error) {
	os.Exit(int(a.Int(0)))
	return nil, nil
}

// setrlimit goes through package syscall so that Go forgets the
// RLIMIT_NOFILE it raised at start and uses the user's.
//
// RLIMIT_AS and RLIMIT_DATA are kept for the node's programs
// (Node.SetExecRlimit): under them the node's own runtime would die.
func sysSetrlimit(n Node, a Args) (any, error) {
	rec := a.Record(1)
	r := syscall.Rlimit{Cur: uint64(rec["cur"].(int64)), Max: uint64(rec["max"].(int64))}
	if kept, err := n.SetExecRlimit(int(a.Int(0)), r.Cur, r.Max); kept {
		return ok(err)
	}
	return ok(sysErr("setrlimit", syscall.Setrlimit(int(a.Int(0)), &r)))
}
