package lang

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/alsh/alsh/builtins"
)

// ExitStatus is the status a program asked to exit with (exit N). Run
// returns it as an error; a front end reads it with errors.As.
type ExitStatus int

func (e ExitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// Error is a failure while a program runs: a failed call, a failed
// expect, or a mistake such as an undefined variable. Pos is where the
// failing call or statement starts.
type Error struct {
	Pos lexer.Position
	// Name is the short name that expect and catch see: the errno of a
	// failed system call (eperm), or badpid, badarg, filtered,
	// unsupported, exited, node_exited, timeout, wrapper_failed, notnode,
	// expect, error.
	Name string
	Msg  string // the message, without the position
	Err  error  // the cause, if any
	// callFailed marks the failure of a call (the kernel, the host or a
	// builtin said no), which if and while treat as false. Mistakes in the
	// program are not call failures.
	callFailed bool
}

func (e *Error) Error() string {
	if e.Pos.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("%s: %s", e.Pos, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Value is the error as the language shows it to catch:
// {error: eperm, message: "setuid: eperm: operation not permitted"}, and
// for a batch, which of its calls failed: {…, index: 3} (from 1).
func (e *Error) Value() builtins.Record {
	v := builtins.Record{"error": builtins.Const(e.Name), "message": e.Msg}
	if be, ok := errors.AsType[*builtins.BatchError](e.Err); ok {
		v["index"] = int64(be.Index + 1)
	}
	return v
}

// mistake is an error in the program itself, at pos.
func mistake(pos lexer.Position, format string, args ...any) *Error {
	return &Error{Pos: pos, Name: "error", Msg: fmt.Sprintf(format, args...)}
}

// failure is a call that failed for a reason named name.
func failure(pos lexer.Position, name, format string, args ...any) *Error {
	return &Error{Pos: pos, Name: name, Msg: fmt.Sprintf(format, args...), callFailed: true}
}

// callError describes the failure of call name, keeping the errno.
func callError(pos lexer.Position, name string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	kind, msg := classify(name, err)
	return &Error{Pos: pos, Name: kind, Msg: msg, Err: err,
		callFailed: kind != "interrupted"}
}

var sentinelNames = []struct {
	err  error
	name string
}{
	{builtins.ErrBadPid, "badpid"}, {builtins.ErrFiltered, "filtered"},
	{builtins.ErrTimeout, "timeout"}, {builtins.ErrNodeExited, "node_exited"},
	{builtins.ErrWrapperFailed, "wrapper_failed"},
	{builtins.ErrUnsupported, "unsupported"}, {builtins.ErrExited, "exited"},
	{builtins.ErrNotNode, "notnode"},
	{context.Canceled, "interrupted"}, {context.DeadlineExceeded, "timeout"},
}

// classify names an error for expect and catch and words its message.
func classify(name string, err error) (kind, msg string) {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		n := builtins.ErrnoName(errno)
		return n, fmt.Sprintf("%s: %s: %s%s", name, n, errno.Error(), errnoDetail(name, err, errno))
	}
	if named, ok := errors.AsType[*namedError](err); ok {
		if named.raw {
			return named.name, named.msg
		}
		return named.name, prefixed(name, err)
	}
	for _, s := range sentinelNames {
		if errors.Is(err, s.err) {
			return s.name, prefixed(name, err)
		}
	}
	var argErr *builtins.ArgError
	var constErr *builtins.UnknownConstError
	if errors.As(err, &argErr) || errors.As(err, &constErr) {
		return "badarg", prefixed(name, err)
	}
	if errors.Is(err, builtins.ErrBadArg) {
		return "badarg", nodeBadArg(name, err)
	}
	return "error", prefixed(name, err)
}

// errnoDetail is what an errno error says beyond the errno: the path of
// a path error ("chroot /jail"), or why ("unshare clone_newuser: the node
// has 1 children…"); nothing when it only repeats the call's name.
func errnoDetail(name string, err error, errno syscall.Errno) string {
	d := strings.TrimSuffix(strings.TrimSuffix(err.Error(), errno.Error()), ": ")
	if d == "" || d == name || d == err.Error() {
		return ""
	}
	return " (" + d + ")"
}

// nodeBadArg words a node's refusal of the arguments, which arrives as
// "badarg: CALL: argument N (NAME): why": the name says badarg already.
func nodeBadArg(name string, err error) string {
	rest := strings.TrimPrefix(err.Error(), builtins.ErrBadArg.Error()+": ")
	if strings.HasPrefix(rest, name+": ") {
		return rest
	}
	return prefixed(name, err)
}

// prefixed puts the call's name in front of a message that lacks it.
func prefixed(name string, err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, name+": ") {
		return msg
	}
	return name + ": " + msg
}

// isCallFailure says whether err is a call's failure, which a condition
// takes as false.
func isCallFailure(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.callFailed
}

// control flow, carried up the Go stack as errors
type returnSignal struct{ value any }
type loopSignal struct{ brk bool }

func (returnSignal) Error() string { return "return outside a procedure" }
func (loopSignal) Error() string   { return "break or continue outside a loop" }

// namedError is a builtin's failure with a name for expect and catch.
// A raw message is shown without the builtin's name.
type namedError struct {
	name, msg string
	raw       bool
}

func (e *namedError) Error() string { return e.msg }
