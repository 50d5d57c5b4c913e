package engine

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/spin"
	"github.com/alsh/alsh/engine/internal/wire"
)

// Batch makes calls on the process the pipeline names, in order, as Call
// would, but sends them all at once: the node answers each as it comes,
// and the batch costs one wait for replies where Call takes one per call
// (a sandbox's set-up, a remote host behind a slow link). The first call
// that fails, unless with one of the errnos it tolerates, ends the batch:
// the node makes none of the calls after it (wire.FlagChained).
//
// The result has one value per call made, as Call returns it, or, for a
// failure the call tolerated, its syscall.Errno. The error of the call
// that ended the batch is a *builtins.BatchError naming it; errors.Is sees
// through it to the call's error (its errno). Calls that make or replace
// processes (fork, clone, execvp, exit…), pty, and the calls the driver
// settles or answers (seccomp, seccomp_load, landlock, stdin, getopt…)
// are refused before anything is sent: make them with Call.
func (e *Engine) Batch(ctx context.Context, pipeline []int, calls []builtins.BatchCall) ([]any, error) {
	if len(pipeline) > 0 && pipeline[0] < 0 { // a remote root that host started
		return e.hostBatch(ctx, pipeline, calls)
	}
	planned, err := planBatch(calls)
	if err != nil || len(planned) == 0 {
		return nil, err
	}
	e.mu.Lock()
	p, err := e.resolve(pipeline)
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if p.ctl == nil || p.argv != nil {
		return nil, fmt.Errorf("%w: %s runs %s: calls go to nodes, and stdin to the program",
			builtins.ErrNotNode, p, programName(p.argv))
	}
	msgs := make([][]byte, len(planned))
	ids := make([]uint32, len(planned))
	for i, pc := range planned {
		ids[i] = e.nextID.Add(1)
		if msgs[i], err = wire.EncodeCall(nil, ids[i], pc.call.Number(), pc.args); err != nil {
			return nil, &builtins.BatchError{Index: i, Call: pc.call.Name, Err: err}
		}
		wire.SetTolerated(msgs[i], pc.tolerated)
		if i > 0 {
			wire.MarkChained(msgs[i])
		}
	}
	results := p.ctl.callBatch(ctx, e.deadline(ctx), ids, msgs)
	return e.batchResults(p, planned, results)
}

// plannedCall is a batch's call checked and converted, before sending.
type plannedCall struct {
	call      *builtins.Call
	args      []any
	tolerated [2]byte
}

// planBatch checks every call of a batch and converts its arguments, so
// that nothing is sent unless all can be.
func planBatch(calls []builtins.BatchCall) ([]plannedCall, error) {
	out := make([]plannedCall, len(calls))
	for i, bc := range calls {
		c, ok := builtins.Lookup(bc.Name)
		if !ok {
			return nil, &builtins.BatchError{Index: i, Call: bc.Name, Err: fmt.Errorf("unknown call %s", bc.Name)}
		}
		if why := builtins.NotBatchable(c); why != "" {
			return nil, &builtins.BatchError{Index: i, Call: c.Name, Err: &builtins.ArgError{Call: c.Name, Msg: "cannot be in a batch: " + why}}
		}
		args, err := builtins.Convert(c, bc.Args)
		if err != nil {
			return nil, &builtins.BatchError{Index: i, Call: c.Name, Err: err}
		}
		tol, err := toleratedErrnos(bc.Tolerate)
		if err != nil {
			return nil, &builtins.BatchError{Index: i, Call: c.Name, Err: err}
		}
		out[i] = plannedCall{call: c, args: args, tolerated: tol}
	}
	return out, nil
}

// toleratedErrnos packs at most two errnos (each below 256) for the wire.
func toleratedErrnos(errnos []syscall.Errno) ([2]byte, error) {
	var tol [2]byte
	if len(errnos) > len(tol) {
		return tol, &builtins.ArgError{Call: "batch", Msg: fmt.Sprintf("a call tolerates at most %d errnos, not %d", len(tol), len(errnos))}
	}
	for i, errno := range errnos {
		if errno <= 0 || errno > 255 {
			return tol, &builtins.ArgError{Call: "batch", Msg: fmt.Sprintf("%d is not an errno a call can tolerate (1 to 255)", errno)}
		}
		tol[i] = byte(errno)
	}
	return tol, nil
}

// batchResults turns the replies of a batch into its values, up to the
// call that ended it.
func (e *Engine) batchResults(p *proc, planned []plannedCall, results []result) ([]any, error) {
	var vals []any
	for i, r := range results {
		c := planned[i].call
		if r.err != nil {
			var errno syscall.Errno
			if errors.As(r.err, &errno) && !wire.BreaksChain(uint32(errno), planned[i].tolerated) {
				vals = append(vals, errno)
				continue
			}
			return vals, &builtins.BatchError{Index: i, Call: c.Name, Err: e.callFailed(p, c, r.err)}
		}
		e.noteCall(p, c, planned[i].args)
		vals = append(vals, r.val)
	}
	return vals, nil
}

// callBatch sends a batch's calls, then waits for their replies in turn.
// A call that could not be sent, and those after it, fail with the
// send's error; a wait that runs out gives up on the calls still due, as
// await does for one.
func (c *ctlConn) callBatch(ctx context.Context, deadline time.Time, ids []uint32, msgs [][]byte) []result {
	results := make([]result, len(ids))
	ws := make([]*waiter, len(ids))
	under := callsUnderWay.Add(1)
	defer callsUnderWay.Add(-1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		for i := range results {
			results[i] = result{err: builtins.ErrExited}
		}
		return results
	}
	for i, id := range ids {
		ws[i] = waiters.Get().(*waiter)
		c.pending[id] = ws[i]
	}
	c.mu.Unlock()
	defer func() {
		for _, w := range ws {
			waiters.Put(w)
		}
	}()
	spinFor := spin.Reply
	if crowded(under) {
		spinFor = 0
	}
	sent := len(msgs)
	for i, msg := range msgs {
		if spinFor == 0 {
			wire.MarkCrowded(msg)
		}
		if err := c.sendWith(ctx, deadline, msg, nil); err != nil {
			sent = i
			c.unsent(ids[i:], ws[i:], results[i:], err)
			break
		}
	}
	for i := range sent {
		results[i] = c.await(ctx, deadline, ids[i], ws[i].ch, spinFor)
	}
	return results
}

// unsent fails the calls of a batch from the one whose send failed.
func (c *ctlConn) unsent(ids []uint32, ws []*waiter, results []result, err error) {
	select {
	case <-c.done:
		err = builtins.ErrExited
	default:
	}
	for i, id := range ids {
		if !c.forget(id) {
			<-ws[i].ch // closeAll's, sent or on its way
		}
		results[i] = result{err: fmt.Errorf("sending call: %w", err)}
	}
}
