package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/wire"
)

// Call performs a call of builtins.Table on the process the pipeline names.
// Args are checked and constants resolved (builtins.Convert) before
// anything is sent. Kernel errors keep their errno: errors.Is(err,
// unix.EPERM) holds for a refused setuid.
func (e *Engine) Call(ctx context.Context, pipeline []int, name string, args []any) (any, error) {
	if len(pipeline) > 0 && pipeline[0] < 0 { // a remote root that host started
		return e.hostCall(ctx, pipeline, name, args)
	}
	c, ok := builtins.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown call %s", name)
	}
	wargs, err := builtins.Convert(c, args)
	if err != nil {
		return nil, err
	}
	var v any
	switch {
	case c.Where == builtins.OnDriver:
		v, err = e.driverCall(ctx, pipeline, c, wargs)
	case c.Name == "pty": // the driver opens the terminal (pty_linux.go)
		err = e.openPty(ctx, pipeline, c, wargs)
	default:
		v, err = e.nodeCallCompiled(ctx, e.deadline(ctx), pipeline, c, wargs)
	}
	if err != nil && e.remote != nil {
		err = e.remote.explain(err)
	}
	return v, err
}

// deadline is ctx's, or CallTimeout from now. Calls take it as a time, not
// as a context with a timeout: a context's timer, set and stopped at every
// call, would wake Go's netpoller each time, which costs as much as the
// call; a timer is made only when the reply is slow to come.
func (e *Engine) deadline(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now().Add(e.opts.CallTimeout)
}

func (e *Engine) nodeCall(ctx context.Context, deadline time.Time, pl []int, c *builtins.Call, args []any) (any, error) {
	return e.nodeCallWith(ctx, deadline, pl, c, args, nil)
}

// nodeCallWith is nodeCall with fds passed: fp.send go with the call, and
// the fds of the reply are kept in fp.got (fdpass_linux.go); fp may be nil.
func (e *Engine) nodeCallWith(ctx context.Context, deadline time.Time, pl []int, c *builtins.Call, args []any, fp *fdPassing) (any, error) {
	p, err := e.nodeOf(pl)
	if err != nil {
		return nil, err
	}
	id := e.nextID.Add(1)
	buf := callBufs.Get().(*[]byte)
	msg, err := wire.EncodeCall((*buf)[:0], id, c.Number(), args)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	var onFds func(*result)
	var oob []byte
	if c.NewProcess {
		onFds = func(r *result) { e.register(p, r, c, args) }
	}
	if fp != nil {
		onFds, oob = fp.keep, fp.oob()
	}
	r := p.ctl.callWith(ctx, deadline, id, msg, oob, c.NoReturn, onFds)
	if cap(msg) <= maxPooledCall {
		*buf = msg
		callBufs.Put(buf)
	}
	if r.err != nil {
		if errors.Is(r.err, errFdsLost) {
			e.killUnheld(ctx, pl, c, r.val)
			return nil, fmt.Errorf("%s %s: %w", c.Name, p, r.err)
		}
		return nil, e.callFailed(p, c, r.err)
	}
	e.noteCall(p, c, args)
	if c.NoReturn {
		e.execed(p, c, args)
		return nil, nil
	}
	if r.child != nil {
		return e.adopt(ctx, deadline, r.child)
	}
	return r.val, nil
}

// nodeOf is the node the pipeline names, which calls go to.
func (e *Engine) nodeOf(pl []int) (*proc, error) {
	e.mu.Lock()
	p, err := e.resolve(pl)
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if p.ctl == nil || p.argv != nil {
		return nil, fmt.Errorf("%w: %s runs %s: calls go to nodes, and stdin to the program",
			builtins.ErrNotNode, p, programName(p.argv))
	}
	return p, nil
}

// errFdsLost: a reply's fds did not reach the driver, whose
// RLIMIT_NOFILE is reached.
var errFdsLost = fmt.Errorf("the driver cannot hold the new process's fds (its RLIMIT_NOFILE is reached): %w", unix.EMFILE)

// killUnheld kills, through its parent, the process that a fork, clone
// or spawn made but whose fds the driver could not take: a node child
// would end at its control socket's end anyway, a program would not.
// Nothing is left half-made; its parent reaps it.
func (e *Engine) killUnheld(ctx context.Context, pl []int, c *builtins.Call, val any) {
	pid, ok := val.(int64)
	if !c.NewProcess || !ok || pid <= 0 {
		return
	}
	kill, _ := builtins.Lookup("kill")
	args, err := builtins.Convert(kill, []any{pid, builtins.Const("sigkill")})
	if err == nil {
		e.nodeCall(ctx, e.deadline(ctx), pl, kill, args)
	}
}

// callBufs hold encoded calls: the socket has its copy once sent.
var callBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// maxPooledCall: a larger call's buffer is left to the collector.
const maxPooledCall = 4 << 10

// execed records a successful exec (the control socket closed with the
// call pending). exit also lands here; its exit event follows.
func (e *Engine) execed(p *proc, c *builtins.Call, args []any) {
	if c.Name == "exit" {
		return
	}
	argv := args[1].([]any)
	e.mu.Lock()
	p.argv = make([]string, len(argv))
	for i, a := range argv {
		p.argv[i] = a.(string)
	}
	e.mu.Unlock()
}

// register makes the process a fork, clone or spawn created from the fds
// in its reply, and puts it in the tree (runs in the reader, see waiter).
// spawn's child runs a program from the start: no control socket, no
// ready message, and its argv known at once.
func (e *Engine) register(parent *proc, r *result, call *builtins.Call, args []any) {
	pid, ok := r.val.(int64)
	if !ok {
		closeInts(r.fds)
		r.err = fmt.Errorf("%w: fork reply %v is not a pid", wire.ErrMalformed, r.val)
		return
	}
	c := newProc(parent, int(pid))
	if call.Name == "spawn" {
		c.argv = stringList(args[1].([]any))
	}
	link := func() { // mu held
		parent.children[int(pid)] = c
		delete(e.dead, c.String())
	}
	if err := e.attach(c, r.fds, link); err != nil {
		r.err = err
		return
	}
	r.child = c
}

// adopt finishes a new process: a program's pipes and host pid, or a
// node's ready message.
func (e *Engine) adopt(ctx context.Context, deadline time.Time, c *proc) (any, error) {
	pid := int64(c.pid)
	if c.ctl == nil {
		e.findHostPid(c.parent, c)
		return pid, nil
	}
	if err := e.waitReady(ctx, deadline, c); err != nil {
		return nil, err
	}
	return pid, nil
}

func stringList(l []any) []string {
	out := make([]string, len(l))
	for i, a := range l {
		out[i] = a.(string)
	}
	return out
}

func (e *Engine) dispatch(p *proc, m ctlMsg) {
	switch m.typ {
	case wire.MsgReady:
		e.ready(p, m.pid, m.fds)
	case wire.MsgReply:
		v, err := wire.DecodeValue(m.body)
		if m.fdsLost && err == nil {
			err = errFdsLost
		}
		p.ctl.deliver(m.id, result{val: v, fds: m.fds, err: err})
	case wire.MsgError:
		closeInts(m.fds)
		w, err := wire.DecodeError(m.body)
		if err == nil {
			err = fromWireError(w)
		}
		p.ctl.deliver(m.id, result{err: err})
	case wire.MsgEvent:
		closeInts(m.fds)
		e.nodeEvent(p, int(m.id), m.body)
	default:
		closeInts(m.fds)
	}
}

// nodeEvent handles an event from node p: about itself (pid 0, a caught
// signal) or about a child (its exit).
func (e *Engine) nodeEvent(p *proc, pid int, body []byte) {
	v, err := wire.DecodeValue(body)
	rec, ok := v.(builtins.Record)
	if err != nil || !ok {
		return
	}
	if pid == 0 {
		e.emit(p, "event", rec)
		return
	}
	e.mu.Lock()
	c := p.children[pid]
	e.mu.Unlock()
	switch {
	case c == nil:
	case rec["exit_status"] != nil || rec["termsig"] != nil:
		e.childExited(c, rec)
	default: // a stop: the child lives on
		e.emit(c, "event", rec)
	}
}

// childExited delivers a child's last output, then its exit event, and
// drops the child (and the subtree that dies with it) from the tree.
func (e *Engine) childExited(c *proc, rec builtins.Record) {
	c.out.drain()
	c.err.drain()
	e.stdinClosed(c)
	e.mu.Lock()
	e.bury(c)
	e.mu.Unlock()
	if rec != nil {
		e.emit(c, "event", rec)
	}
	c.stdin.close()
}

// bury moves c out of the live tree (mu held). It stays reachable for
// stdout, stderr and event until those are taken; its descendants, which
// end with it and whose exit nobody reports, are dropped.
func (e *Engine) bury(c *proc) {
	c.exited = true
	if c.parent != nil {
		delete(c.parent.children, c.pid)
	}
	e.dead[c.String()] = c
	e.deadOrder = append(e.deadOrder, c)
	e.trimDead()
	for _, gc := range c.children {
		e.drop(gc)
	}
}

func (e *Engine) drop(c *proc) {
	c.exited = true
	c.stdin.close()
	for _, gc := range c.children {
		e.drop(gc)
	}
}

// trimDead forgets the oldest exited processes past maxDead (mu held):
// stdout, stderr and event keep answering for a recently exited process.
func (e *Engine) trimDead() {
	for len(e.deadOrder) > maxDead {
		old := e.deadOrder[0]
		e.deadOrder = e.deadOrder[1:]
		if q := e.dead[old.String()]; q == old {
			delete(e.dead, old.String())
		}
	}
}

const maxDead = 1024

// ready records a node's pid as the driver sees it, and stops the
// credentials that came with every message until now. The root's bell
// comes with it (a child's came with its fork's reply).
func (e *Engine) ready(p *proc, hostPid int, fds []int) {
	if len(fds) == 1 && p.ctl.bell == nil {
		p.ctl.setBell(fds[0])
		if err := e.poller.addBell(p.ctl); err != nil {
			p.ctl.close()
		}
		fds = nil
	}
	closeInts(fds)
	if hostPid > 0 {
		e.mu.Lock()
		p.hostPid = hostPid
		if p == e.root { // through a wrapper, the pid started was the wrapper's
			p.pid = hostPid
		}
		e.mu.Unlock()
		p.ctl.pid.Store(int32(hostPid))
	}
	if fd, ok := p.ctl.sock.acquire(); ok {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 0)
		p.ctl.sock.done()
	}
	p.ctl.markReady()
}

// markReady notes the ready message, which may have been late (see
// readyIsLate).
func (c *ctlConn) markReady() {
	if !isClosed(c.ready) {
		close(c.ready)
	}
	c.late.readyCame()
}

func programName(argv []string) string {
	if len(argv) == 0 {
		return "a program"
	}
	return argv[0]
}

// findHostPid learns a spawned program's pid in the driver's namespace
// (it sends no credentials, having no control socket): the one child of
// its parent, in /proc as the driver sees it (kernelChildren), that the
// driver does not know yet.
func (e *Engine) findHostPid(parent, c *proc) {
	children := kernelChildren(parent.hostPid)
	e.mu.Lock()
	defer e.mu.Unlock()
	known := map[int]bool{}
	for _, sib := range parent.children {
		known[sib.hostPid] = true
	}
	var unknown []int
	for _, pid := range children {
		if !known[pid] {
			unknown = append(unknown, pid)
		}
	}
	if len(unknown) == 1 {
		c.hostPid = unknown[0]
	}
}
