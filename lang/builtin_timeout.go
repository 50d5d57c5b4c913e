package lang

import (
	"context"
	"time"

	"github.com/alsh/alsh/builtins"
)

// doTimeout is timeout MS (the session's default for every later call)
// or timeout MS CALL [pipeline] ARGS… (that one call). A call that gets
// no reply in time fails with timeout, which try catches.
func doTimeout(r *run, c *Call, args []any) (any, error) {
	if len(args) == 0 {
		return nil, usageError(c, "want MS")
	}
	ms, ok := args[0].(int64)
	if !ok || ms <= 0 {
		return nil, usageError(c, "argument 1: want MS > 0, got %s", describe(args[0]))
	}
	d := time.Duration(ms) * time.Millisecond
	if len(args) == 1 {
		r.in.callTimeout = d
		return nil, nil
	}
	name, _ := args[1].(builtins.Const)
	tc, ok := builtins.Lookup(string(name))
	if !ok {
		return nil, usageError(c, "argument 2: want the name of a call, got %s", describe(args[1]))
	}
	if len(args) < 3 {
		return nil, failure(c.Pos, "badarg", "%s: missing pipeline: %s", tc.Name, tc.Signature())
	}
	ctx, cancel := context.WithTimeout(r.ctx, d)
	defer cancel()
	inner := *c
	inner.Name = tc.Name
	return r.callTableIn(ctx, &inner, tc, args[2:])
}

// callContext is the context of one table call: the session's default
// timeout, if one was set (timeout MS), bounds it.
func (r *run) callContext() (context.Context, context.CancelFunc) {
	if r.in.callTimeout <= 0 {
		return r.ctx, func() {}
	}
	return context.WithTimeout(r.ctx, r.in.callTimeout)
}
