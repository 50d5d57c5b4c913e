package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/alsh/alsh/builtins"
)

// flowGate is a process's flowcontrol (alcove §2.6): how many more reads
// of its stdout and stderr (which share the count) the driver makes. -1 is
// unlimited, 0 paused, N that many reads. Once open (the process exited,
// or the driver closes), reads are no longer counted, so that a paused
// process's output is still delivered before its exit event.
type flowGate struct {
	mu   sync.Mutex
	n    int64
	open bool
	wake chan struct{} // closed and replaced when n or open change
}

func newFlowGate(n int64) *flowGate { return &flowGate{n: n, wake: make(chan struct{})} }

func (g *flowGate) changed() {
	close(g.wake)
	g.wake = make(chan struct{})
}

// take uses up one read; ok is false when paused. counted says the read
// was counted: only then may a read that found nothing give it back (the
// count may have changed meanwhile, from unlimited to paused).
func (g *flowGate) take() (ok, counted bool) {
	if g == nil {
		return true, false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.open || g.n < 0:
		return true, false
	case g.n == 0:
		return false, false
	}
	g.n--
	return true, true
}

// limited: reads are counted now (a count, neither unlimited nor open).
// The reader then looks before it takes one, so that getcpid never sees
// a count taken by a read that finds nothing.
func (g *flowGate) limited() bool {
	if g == nil {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return !g.open && g.n >= 0
}

// giveBack returns a counted read that found nothing to read.
func (g *flowGate) giveBack() {
	g.mu.Lock()
	if !g.open && g.n >= 0 {
		g.n++
	}
	g.mu.Unlock()
}

// wait blocks while the gate is paused.
func (g *flowGate) wait() {
	if g == nil {
		return
	}
	for {
		g.mu.Lock()
		ok, ch := g.open || g.n != 0, g.wake
		g.mu.Unlock()
		if ok {
			return
		}
		<-ch
	}
}

func (g *flowGate) set(n int64) {
	g.mu.Lock()
	g.n = n
	g.changed()
	g.mu.Unlock()
}

func (g *flowGate) get() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

// release stops counting for good.
func (g *flowGate) release() {
	if g == nil {
		return
	}
	g.mu.Lock()
	if !g.open {
		g.open = true
		g.changed()
	}
	g.mu.Unlock()
}

// setupFlow gives a new process its flowcontrol (the parent's flowcontrol
// option) and the *_closed notices its parent's options ask for.
func (e *Engine) setupFlow(p *proc) {
	n := int64(-1)
	e.mu.Lock()
	if p.parent != nil {
		n = p.parent.opts[builtins.OptFlowControl]
	}
	e.mu.Unlock()
	p.flow = newFlowGate(n)
	p.out.gate, p.err.gate = p.flow, p.flow
	p.out.onEOF = func() { e.closedNotice(p, builtins.OptStdoutClosed, "stdout_closed") }
	p.err.onEOF = func() { e.closedNotice(p, builtins.OptStderrClosed, "stderr_closed") }
}

// closedNotice emits {ctl: name} on p when its parent's option asks.
func (e *Engine) closedNotice(p *proc, opt int, name string) {
	e.mu.Lock()
	on := p.parent != nil && p.parent.opts[opt] != 0
	e.mu.Unlock()
	if on {
		e.emit(p, "event", builtins.Record{"ctl": name})
	}
}

// noteCall tracks what a successful call changed that the driver must
// know: the options a node will pass to the children it forks.
func (e *Engine) noteCall(p *proc, c *builtins.Call, args []any) {
	if c.Name != "setopt" {
		return
	}
	opt := args[0].(int64)
	if opt > 0 && opt < builtins.NumOpts {
		e.mu.Lock()
		p.opts[opt] = args[1].(int64)
		e.mu.Unlock()
	}
}

// cpid lists p's live children.
func (e *Engine) cpid(p *proc) any {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []any{}
	for _, pid := range sortedPids(p.children) {
		c := p.children[pid]
		if c.exited { // below a dead process: gone with it
			continue
		}
		r := builtins.Record{"pid": int64(pid), "exec": int64(0),
			"flowcontrol": c.flow.get(), "signaloneof": e.childSig(p, c)}
		if c.argv != nil {
			r["exec"], r["argv"] = int64(1), anyList(c.argv)
		}
		out = append(out, r)
	}
	return out
}

func (e *Engine) childSig(parent, c *proc) int64 {
	if c.sigSet {
		return c.sigOnEOF
	}
	return parent.opts[builtins.OptSignalOnEOF]
}

func sortedPids(m map[int]*proc) []int {
	pids := make([]int, 0, len(m))
	for pid := range m {
		pids = append(pids, pid)
	}
	for i := 1; i < len(pids); i++ {
		for j := i; j > 0 && pids[j] < pids[j-1]; j-- {
			pids[j], pids[j-1] = pids[j-1], pids[j]
		}
	}
	return pids
}

// liveChild finds p's child pid, or says why not.
func (e *Engine) liveChild(p *proc, call string, pid int64) (*proc, error) {
	e.mu.Lock()
	c := p.children[int(pid)]
	e.mu.Unlock()
	if c == nil {
		return nil, fmt.Errorf("%s: %d is not a live child of %s: %w", call, pid, p, builtins.ErrBadPid)
	}
	return c, nil
}

func checkCpidField(call string, field int64) error {
	if field != builtins.OptFlowControl && field != builtins.OptSignalOnEOF {
		return &builtins.ArgError{Call: call, N: 2, Name: "field", Msg: "want flowcontrol or signaloneof"}
	}
	return nil
}

func (e *Engine) getcpid(p *proc, args []any) (any, error) {
	field := args[1].(int64)
	if err := checkCpidField("getcpid", field); err != nil {
		return nil, err
	}
	c, err := e.liveChild(p, "getcpid", args[0].(int64))
	if err != nil {
		return nil, err
	}
	if field == builtins.OptFlowControl {
		return c.flow.get(), nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.childSig(p, c), nil
}

// setcpid sets a child's flowcontrol here; signaloneof is the parent
// node's to send, so it goes to the node too.
func (e *Engine) setcpid(ctx context.Context, p *proc, c *builtins.Call, args []any) (any, error) {
	field, v := args[1].(int64), args[2].(int64)
	if err := checkCpidField("setcpid", field); err != nil {
		return nil, err
	}
	child, err := e.liveChild(p, "setcpid", args[0].(int64))
	if err != nil {
		return nil, err
	}
	if field == builtins.OptFlowControl {
		child.flow.set(max(v, -1))
		return nil, nil
	}
	if _, err := e.nodeCall(ctx, e.deadline(ctx), p.pipeline, c, args); err != nil {
		return nil, err
	}
	e.mu.Lock()
	child.sigOnEOF, child.sigSet = v, true
	e.mu.Unlock()
	return nil, nil
}

// stdinClosed is the notice sent when a child exits, before its exit
// event, if its parent's stdin_closed option is set.
func (e *Engine) stdinClosed(c *proc) {
	c.flow.release()
	e.closedNotice(c, builtins.OptStdinClosed, "stdin_closed")
}
