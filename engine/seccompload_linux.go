package engine

import (
	"context"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// seccomp_load of a policy record is compiled here, where a Go runtime
// runs, and installed by the seccomp call with the program as bytes, which
// is runtime-free: a proto-node loads the filter without booting. The
// program does not depend on the process that loads it (a Docker
// profile's does: it goes to the node as it is). When the install fails,
// the call is made again as seccomp_load, which the node serves as before
// and whose error it words (the failed seccomp changed nothing); so its
// results and errors, and a call filter that names seccomp_load, are
// seccomp_load's.

var seccompCall, _ = builtins.Lookup("seccomp")

// loadCompiled installs a seccomp_load policy compiled here; ok false:
// the caller makes the call itself.
func (e *Engine) loadCompiled(ctx context.Context, deadline time.Time, pl []int, args []any) (any, bool) {
	if e.remote != nil || len(args) != 1 { // a remote host's kernel and architecture may differ
		return nil, false
	}
	prog, flags, result, ok := builtins.SeccompProgram(args[0])
	if !ok {
		return nil, false
	}
	_, err := e.nodeCall(ctx, deadline, pl, seccompCall,
		[]any{int64(unix.SECCOMP_SET_MODE_FILTER), int64(flags), prog})
	return result, err == nil
}

// nodeCallCompiled is nodeCall, but for a call the driver compiles
// (seccomp_load of a policy record).
func (e *Engine) nodeCallCompiled(ctx context.Context, deadline time.Time, pl []int, c *builtins.Call, args []any) (any, error) {
	if c.Name == "seccomp_load" {
		if v, ok := e.loadCompiled(ctx, deadline, pl, args); ok {
			return v, nil
		}
	}
	return e.nodeCall(ctx, deadline, pl, c, args)
}
