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
	// ErrNodeExited: the node ended while a call to it was under way (it
	// was killed, or its main thread was); errors.Is(err, ErrExited)
	// holds too. The node's end comes as an event from its parent.
	ErrNodeExited error = nodeExited{}
	// ErrTimeout: a call got no reply by its deadline (the caller's, or
	// the engine's CallTimeout).
	ErrTimeout = errors.New("timeout")
	// ErrWrapperFailed: the exec wrapper (such as sudo -n) that was to
	// start the root node ended before the root connected.
	ErrWrapperFailed = errors.New("wrapper_failed")
	// ErrSkipped: a call of a batch that was not made, since a call
	// before it failed.
	ErrSkipped = errors.New("skipped")
)

type nodeExited struct{}

func (nodeExited) Error() string        { return "node_exited" }
func (nodeExited) Is(target error) bool { return target == ErrExited }

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
