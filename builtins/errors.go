package builtins

import (
	"errors"
	"fmt"
)

// Errors that are not kernel errnos. Kernel errors stay syscall.Errno values
// (wrapped in *os.SyscallError or *os.PathError), so errors.Is works on them.
var (
	// ErrBadPid: a pipeline names a pid that is not a live child of the
	// previous one.
	ErrBadPid = errors.New("badpid")
	// ErrFiltered: the call is denied by the process's call filter.
	ErrFiltered = errors.New("filtered")
	// ErrUnsupported: the call is not implemented on this OS.
	ErrUnsupported = errors.New("unsupported")
	// ErrBadArg: a node refused a call's arguments or message.
	ErrBadArg = errors.New("badarg")
	// ErrNotNode: the process runs a program; only nodes take calls.
	ErrNotNode = errors.New("notnode")
	// ErrExited: the process exited (or exec'd) before replying.
	ErrExited = errors.New("process exited")
)

// ArgError says which argument of a call was wrong and why.
type ArgError struct {
	Call string
	N    int // 1-based; 0 means the argument count
	Name string
	Msg  string
}

func (e *ArgError) Error() string {
	if e.N == 0 {
		return fmt.Sprintf("%s: %s", e.Call, e.Msg)
	}
	return fmt.Sprintf("%s: argument %d (%s): %s", e.Call, e.N, e.Name, e.Msg)
}
