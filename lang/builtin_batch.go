package lang

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"syscall"

	"github.com/alsh/alsh/builtins"
)

// Batcher is a host that makes a batch's calls at once (the engine's
// Batch: one wait for all the replies). With a host that is not one,
// batch makes them one by one (batchOneByOne), to the same effect.
type Batcher interface {
	Batch(ctx context.Context, pipeline []int, calls []builtins.BatchCall) ([]any, error)
}

const batchUsage = "batch [pipeline] [CALL…], each CALL [NAME ARG…] or {call: [NAME ARG…], tolerate: [ERRNO…]}"

// doBatch is batch: the calls of a list on one process, sent at once,
// made in order up to the first that fails (but with an errno it
// tolerates). Its value is the list of their results, a tolerated
// failure giving its errno's name; the failure that ends it is the
// call's error, its message naming the call.
func doBatch(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 2, 2); err != nil {
		return nil, err
	}
	pipeline, err := toPipeline(args[0])
	if err != nil {
		return nil, usageError(c, "pipeline: %v", err)
	}
	calls, err := batchCalls(c, args[1])
	if err != nil {
		return nil, err
	}
	ctx, cancel := r.callContext()
	defer cancel()
	var vals []any
	if r.in.batcher != nil {
		vals, err = r.in.batcher.Batch(ctx, pipeline, calls)
	} else {
		vals, err = batchOneByOne(ctx, r.in.host, pipeline, calls)
	}
	if err != nil {
		return nil, batchError(c, err)
	}
	return batchValues(vals), nil
}

// batchCalls reads batch's list of calls.
func batchCalls(c *Call, v any) ([]builtins.BatchCall, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, usageError(c, "want a list of calls, got %s", describe(v))
	}
	calls := make([]builtins.BatchCall, len(list))
	for i, v := range list {
		var err error
		if calls[i], err = batchCall(v); err != nil {
			return nil, usageError(c, "call %d: %v", i+1, err)
		}
	}
	return calls, nil
}

// batchValues are a batch's results as the language holds them, a
// tolerated failure as its errno's name.
func batchValues(vals []any) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		if errno, ok := v.(syscall.Errno); ok {
			out[i] = builtins.Const(builtins.ErrnoName(errno))
			continue
		}
		out[i] = normalize(v)
	}
	return out
}

// batchError words the failure of a batch's call as the call's own, with
// its place in the batch ($e.index in a catch): "chdir: enoent: no such
// file or directory (chdir /x) (call 2 of the batch)".
func batchError(c *Call, err error) error {
	be, ok := errors.AsType[*builtins.BatchError](err)
	if !ok {
		return err
	}
	kind, msg := classify(be.Call, be.Err)
	return &Error{Pos: c.Pos, Name: kind, Msg: fmt.Sprintf("%s (call %d of the batch)", msg, be.Index+1),
		Err: err, callFailed: kind != "interrupted"}
}

// batchCall reads one call of a batch: [NAME ARG…], or a record with it
// as call and the errnos it tolerates as tolerate.
func batchCall(v any) (builtins.BatchCall, error) {
	var bc builtins.BatchCall
	if rec, ok := v.(builtins.Record); ok {
		if err := onlyCallFields(rec); err != nil {
			return bc, err
		}
		var err error
		if bc.Tolerate, err = errnoList(rec["tolerate"]); err != nil {
			return bc, err
		}
		v = rec["call"]
	}
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return bc, fmt.Errorf("want [NAME ARG…], got %s", describe(v))
	}
	switch name := l[0].(type) {
	case string:
		bc.Name = name
	case builtins.Const:
		bc.Name = string(name)
	default:
		return bc, fmt.Errorf("want a call's name first, got %s", describe(l[0]))
	}
	tc, ok := builtins.Lookup(bc.Name)
	if !ok {
		return bc, fmt.Errorf("no call named %s", bc.Name)
	}
	if why := builtins.NotBatchable(tc); why != "" {
		return bc, fmt.Errorf("%s cannot be in a batch: %s", bc.Name, why)
	}
	bc.Args = constantsFrom(tc, l[1:], 0)
	return bc, nil
}

// onlyCallFields refuses a call's record with a field but call and
// tolerate.
func onlyCallFields(rec builtins.Record) error {
	_, call := rec["call"]
	_, tolerate := rec["tolerate"]
	if len(rec) == btoi(call)+btoi(tolerate) { // no field to look for (a map's range costs)
		return nil
	}
	for k := range rec {
		if k != "call" && k != "tolerate" {
			return fmt.Errorf("unknown field %s (a call's record has call and tolerate)", k)
		}
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// errnoList reads tolerate: a list of errno names (nil: none).
func errnoList(v any) ([]syscall.Errno, error) {
	if v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("tolerate: want a list of errno names such as [eexist], got %s", describe(v))
	}
	out := make([]syscall.Errno, len(l))
	for i, e := range l {
		var errno syscall.Errno
		ok := false
		switch name := e.(type) {
		case string:
			errno, ok = builtins.ErrnoByName(name)
		case builtins.Const:
			errno, ok = builtins.ErrnoByName(string(name))
		}
		if !ok {
			return nil, fmt.Errorf("tolerate: %s is not an errno name", describe(e))
		}
		out[i] = errno
	}
	return out, nil
}

// batchOneByOne is a batch on a host that cannot send one at once: the
// same calls, results and error, one call at a time.
func batchOneByOne(ctx context.Context, h Host, pipeline []int, calls []builtins.BatchCall) ([]any, error) {
	var vals []any
	for i, bc := range calls {
		v, err := h.Call(ctx, pipeline, bc.Name, bc.Args)
		if err == nil {
			vals = append(vals, v)
			continue
		}
		var errno syscall.Errno
		if errors.As(err, &errno) && slices.Contains(bc.Tolerate, errno) {
			vals = append(vals, errno)
			continue
		}
		return vals, &builtins.BatchError{Index: i, Call: bc.Name, Err: err}
	}
	return vals, nil
}
