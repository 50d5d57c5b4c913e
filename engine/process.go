//go:build linux

package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/alsh/alsh/builtins"
)

// Process is a handle on one process of the tree: the root node, a node
// made by Fork, Clone or Spawn, or the program a node became by an exec.
// Every node call is a method of it, with typed parameters and results
// (zhandle.go); after an exec, Stdin, Stdout, Stderr, Wait and Events
// reach the program as os/exec's do. A Process is safe for concurrent
// use.
//
// A process made through a handle delivers its output and events to the
// handle only: not to Engine.Watch, nor to the stdout, stderr and event
// calls of the pipeline API.
type Process struct {
	e  *Engine
	pl []int // the pipeline, owned
	p  *proc
}

// Root is the handle of the root node, whose Fork, Clone and Spawn make
// the processes of the tree.
func (e *Engine) Root() *Process {
	e.mu.Lock()
	defer e.mu.Unlock()
	return &Process{e: e, pl: []int{}, p: e.root}
}

// Pid is the process's pid as its parent sees it (the last of its
// pipeline; 0 for the root).
func (p *Process) Pid() int {
	if len(p.pl) == 0 {
		return 0
	}
	return p.pl[len(p.pl)-1]
}

// HostPid is the process's pid as this program sees it (it differs inside
// a pid namespace).
func (p *Process) HostPid() int {
	p.e.mu.Lock()
	defer p.e.mu.Unlock()
	return p.p.hostPid
}

// Pipeline is the process's pipeline, the pids from the root's child down
// to it: what the pipeline API (Engine.Call) takes.
func (p *Process) Pipeline() []int { return append([]int(nil), p.pl...) }

// Batch makes calls on the process in order, sent at once: Engine.Batch.
func (p *Process) Batch(ctx context.Context, calls ...builtins.BatchCall) ([]any, error) {
	return p.e.Batch(ctx, p.pl, calls)
}

// String is the pipeline as alsh prints it, such as "[812 813]".
func (p *Process) String() string { return formatPipeline(p.pl) }

// Signal sends sig to the process, from its parent node (kill(2)). A
// program that already exited is not signalled: the error is then
// builtins.ErrBadPid's.
func (p *Process) Signal(ctx context.Context, sig syscall.Signal) error {
	if len(p.pl) == 0 {
		return &CallError{Call: "kill", Pipeline: p.Pipeline(), Err: errors.New("the root node has no parent in the tree to signal it")}
	}
	parent := p.pl[:len(p.pl)-1]
	_, err := p.e.Call(ctx, parent, "kill", []any{int64(p.Pid()), int64(sig)})
	if err != nil {
		return &CallError{Call: "kill", Pipeline: append([]int(nil), parent...), Err: err}
	}
	return nil
}

// call performs a call of the table in the process; a failure is a
// *CallError naming the call, the pipeline and path (the call's path
// argument, if any).
func (p *Process) call(ctx context.Context, name, path string, args []any) (any, error) {
	v, err := p.e.Call(ctx, p.pl, name, args)
	if err != nil {
		return nil, &CallError{Call: name, Pipeline: p.Pipeline(), Path: path, Err: err}
	}
	return v, nil
}

// child makes the handle of the process a Fork, Clone or Spawn made
// (which may have exited already: a spawned program that only exits).
func (p *Process) child(v any, err error) (*Process, error) {
	if err != nil {
		return nil, err
	}
	pid, ok := v.(int64)
	if !ok {
		return nil, resultTypeError("pid", v)
	}
	pl := append(append(make([]int, 0, len(p.pl)+1), p.pl...), int(pid))
	p.e.mu.Lock()
	c, err := p.e.resolveAny(pl)
	p.e.mu.Unlock()
	if err != nil {
		return nil, &CallError{Call: "fork", Pipeline: p.Pipeline(), Err: err}
	}
	p.e.attachSink(c)
	return &Process{e: p.e, pl: pl, p: c}, nil
}

// CallError is the error of a call made through a Process: it names the
// call, the pipeline of the process that made it, and the path it was
// given (or the one the kernel's error names), and wraps the call's error,
// so that errors.Is(err, unix.EPERM) and errors.Is(err,
// builtins.ErrBadArg) still hold.
type CallError struct {
	Call     string // the call's name, as in the table: "chroot"
	Pipeline []int  // the process that made it ([] for the root)
	Path     string // the path involved, or ""
	Err      error  // what failed
}

// Error says "call [pipeline] "path": cause".
func (e *CallError) Error() string {
	path := e.Path
	var pe *os.PathError
	if path == "" && errors.As(e.Err, &pe) {
		path = pe.Path
	}
	if path != "" {
		return fmt.Sprintf("%s %s %q: %v", e.Call, formatPipeline(e.Pipeline), path, e.Err)
	}
	return fmt.Sprintf("%s %s: %v", e.Call, formatPipeline(e.Pipeline), e.Err)
}

// Unwrap is the call's error.
func (e *CallError) Unwrap() error { return e.Err }

// optList turns a variadic optional argument into the call's values.
func optList[T any](v []T, conv func(T) any) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = conv(x)
	}
	return out
}
