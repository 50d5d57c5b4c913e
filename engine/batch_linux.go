package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

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
	p, err := e.nodeOf(pipeline)
	if err != nil {
		return nil, err
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
	vals, err := e.batchResults(p, planned, results)
	if be, ok := err.(*builtins.BatchError); ok && e.remote != nil {
		be.Err = e.remote.explain(be.Err) // as Call's
	}
	return vals, err
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

// callBatch sends a batch's calls and waits for their replies in turn.
// It sends ahead of the replies, up to batchWindow calls under way, but
// never waits for room in the socket while a reply is due: the node,
// blocked on a reply nobody reads, would not read the calls that fill the
// socket the other way (a full socket then waits for the replies it
// frees). A call that could not be sent, and those after it, fail with
// the send's error; a wait that runs out gives up on the calls still
// due, as await does for one.
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
	b := batchSend{c: c, ctx: ctx, deadline: deadline, ids: ids, ws: ws, msgs: msgs, results: results, crowded: spinFor == 0}
	b.send(0)
	for i := 0; i < b.sent; i++ {
		results[i] = c.await(ctx, deadline, ids[i], ws[i].ch, spinFor)
		b.send(i + 1)
	}
	return results
}

// batchSend is callBatch's sending: sent calls of msgs are sent;
// stopped, a send failed, and the calls from it on have their results.
type batchSend struct {
	c        *ctlConn
	ctx      context.Context
	deadline time.Time
	ids      []uint32
	ws       []*waiter
	msgs     [][]byte
	results  []result
	crowded  bool
	sent     int
	stopped  bool
}

// batchWindow bounds the calls of a batch under way at once. A full
// socket bounds them too (send waits for a reply then), so it is not what
// keeps a batch from blocking; it bounds what one batch leaves queued at
// a node. With 16, a batch of 20 calls to a host 20 ms away took two
// round trips of the link.
const batchWindow = 256

// send sends the calls due once `done` replies are in: up to batchWindow
// beyond them, and no further than the socket takes without waiting
// unless no reply is due.
func (b *batchSend) send(done int) {
	for !b.stopped && b.sent < min(done+batchWindow, len(b.msgs)) {
		msg := b.msgs[b.sent]
		if b.crowded {
			wire.MarkCrowded(msg)
		}
		ok, err := b.c.trySend(msg)
		if err == nil && !ok {
			if b.sent > done {
				return // a reply is due: read it first, which makes room
			}
			err = b.c.sendWith(b.ctx, b.deadline, msg, nil)
		}
		if err != nil {
			b.c.unsent(b.ids[b.sent:], b.ws[b.sent:], b.results[b.sent:], err)
			b.stopped = true
			return
		}
		b.sent++
	}
}

// trySend sends b if the socket has room now; false if it has none.
func (c *ctlConn) trySend(b []byte) (bool, error) {
	fd, ok := c.sock.acquire()
	if !ok {
		return false, os.ErrClosed
	}
	defer c.sock.done()
	err := sendNow(fd, b)
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
		return false, nil
	}
	return err == nil, err
}

// unsent fails the calls of a batch from the one whose send failed.
func (c *ctlConn) unsent(ids []uint32, ws []*waiter, results []result, err error) {
	for i, id := range ids {
		if !c.forget(id) {
			<-ws[i].ch // closeAll's, sent or on its way
		}
	}
	err = c.sendError(err) // as a call's
	for i := range results {
		results[i] = result{err: err}
	}
}
