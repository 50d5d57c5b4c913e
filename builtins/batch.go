package builtins

import (
	"fmt"
	"syscall"
)

// BatchCall is one call of a batch (the engine's Batch, the language's
// batch): a call of Table by name, its arguments, and the errnos (at most
// two) whose failure does not end the batch.
type BatchCall struct {
	Name     string
	Args     []any
	Tolerate []syscall.Errno
}

// NotBatchable says why call c cannot be in a batch, or "": a batch's
// calls are sent at once, so each must be one its node answers alone.
func NotBatchable(c *Call) string {
	switch {
	case c.Where == OnDriver:
		return "the driver answers it"
	case c.NewProcess:
		return "it makes a process, which the driver must take in first"
	case c.NoReturn:
		return "the node does not return from it"
	case c.Name == "pty" || c.Name == "seccomp" || c.Name == "seccomp_load" || c.Name == "landlock":
		return "the driver prepares it"
	}
	return ""
}

// BatchError is the failure of one call of a batch, which ended it.
type BatchError struct {
	Index int    // the call's place in the batch, from 0
	Call  string // its name
	Err   error
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("batch call %d (%s): %v", e.Index+1, e.Call, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }
