package lang

import (
	"context"

	"github.com/alsh/alsh/builtins"
)

// Host is how the evaluator reaches processes. The engine implements it;
// unit tests use a fake.
type Host interface {
	// Call performs the call named in builtins.Table on the process the
	// pipeline names. Args are values as the language holds them
	// (int64, string, []any, builtins.Record, builtins.Const); the host
	// checks them against the table and resolves constants.
	Call(ctx context.Context, pipeline []int, name string, args []any) (any, error)
	// Processes lists the live processes, for ps and completion.
	Processes() []builtins.ProcInfo
}
