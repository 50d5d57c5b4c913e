package engine

import (
	"context"
	"errors"
	"io"

	"github.com/alsh/alsh/builtins"
)

// Options configure Start.
type Options struct {
	// Exec runs the root node through a wrapper, such as []string{"sudo", "-n"}.
	Exec []string
	// Stderr receives the root node's own diagnostics; nil discards them.
	Stderr io.Writer
}

// Engine is a running process tree and the driver that talks to it.
type Engine struct{}

// Start starts the root node.
func Start(ctx context.Context, opts Options) (*Engine, error) {
	return nil, errors.New("engine: not implemented yet")
}

// Call performs a call of builtins.Table on the process the pipeline names.
func (e *Engine) Call(ctx context.Context, pipeline []int, name string, args []any) (any, error) {
	return nil, errors.New("engine: not implemented yet")
}

// Processes lists the live processes.
func (e *Engine) Processes() []builtins.ProcInfo { return nil }

// Watch delivers every later stdout, stderr and event message to fn as it
// arrives instead of queueing it for the stdout/stderr/event calls. A nil
// fn returns to queueing.
func (e *Engine) Watch(fn func(builtins.Message)) {}

// Close ends every process of the tree and waits for them.
func (e *Engine) Close() error { return nil }
