package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/alsh/alsh/builtins"
)

// hostSet holds the remote roots that the language's host started
// (ConnectHost). A pipeline whose first element is -id goes to host id's
// engine with the rest of the pipeline.
type hostSet struct {
	mu     sync.Mutex
	conns  []*hostConn // host id-1
	watch  func(builtins.Message)
	closed bool

	ctx    context.Context // ends the connections still being made, at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the connecting goroutines
}

// hostConn is one host: connecting until ready is closed, then its
// engine, or the error that ended the attempt.
type hostConn struct {
	id    int
	name  string
	ready chan struct{}
	eng   *Engine // set under hostSet.mu before ready closes
	err   error
}

// ConnectHost starts a root node on dest through ssh, as an engine of
// its own that this one owns, and returns at once the id that pipelines
// give as -id: the connection is made in the background, so that a
// script that names several hosts connects them in parallel. The first
// call to the host waits until it is ready; if it could not be reached,
// that call and every later one fail with the reason. The connection
// outlives ctx: it is bounded by StartTimeout, and Close ends it. A bad
// option or destination is an error of ConnectHost itself. Options: exec (a
// wrapper on the host, "sudo -n"), ssh (the ssh command, as
// ALSH_SSH_COMMAND), binary (the alsh binary to send, as
// Options.RemoteBinary).
func (e *Engine) ConnectHost(ctx context.Context, dest string, opts builtins.Record) (int, error) {
	o, err := e.hostOptions(dest, opts)
	if err != nil {
		return 0, err
	}
	hs := e.hostSet()
	if hs == nil {
		return 0, fmt.Errorf("host %s: %w: the engine closed", dest, builtins.ErrExited)
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.closed {
		return 0, fmt.Errorf("host %s: %w: the engine closed", dest, builtins.ErrExited)
	}
	c := &hostConn{id: len(hs.conns) + 1, name: dest, ready: make(chan struct{})}
	hs.conns = append(hs.conns, c)
	hs.wg.Go(func() { hs.connect(c, o) })
	return c.id, nil
}

// hostOptions are the Options of a host's engine: this engine's, with
// the host's own from the record.
func (e *Engine) hostOptions(dest string, opts builtins.Record) (Options, error) {
	o := Options{Host: dest, CallTimeout: e.opts.CallTimeout, StartTimeout: e.opts.StartTimeout,
		SSHCommand: e.opts.SSHCommand, RemoteBinary: e.opts.RemoteBinary}
	if err := checkDest(dest); err != nil {
		return o, err
	}
	for k, v := range opts {
		if k != "exec" && k != "ssh" && k != "binary" {
			return o, fmt.Errorf("host %s: unknown option %s (want exec, ssh or binary)", dest, k)
		}
		s, ok := v.(string)
		if !ok {
			return o, fmt.Errorf("host %s: option %s: want a string, got %s", dest, k, builtins.Format(v))
		}
		switch k {
		case "exec":
			o.Exec = strings.Fields(s)
		case "ssh":
			o.SSHCommand = s
		case "binary":
			o.RemoteBinary = s
		}
	}
	if o.RemoteBinary != "" { // a bad file is an error of host itself
		if _, err := elfArches(o.RemoteBinary); err != nil {
			return o, fmt.Errorf("host %s: %w", dest, err)
		}
		if err := holdsAlsh(o.RemoteBinary); err != nil {
			return o, fmt.Errorf("host %s: %w", dest, err)
		}
	}
	return o, nil
}

// hostSet is e's set of hosts, made at first use; nil once e closed.
func (e *Engine) hostSet() *hostSet {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	if e.hosts == nil {
		ctx, cancel := context.WithCancel(context.Background())
		e.hosts = &hostSet{ctx: ctx, cancel: cancel}
	}
	return e.hosts
}

// connect starts c's engine and hands it over, with the watcher if one
// is set.
func (hs *hostSet) connect(c *hostConn, o Options) {
	sub, err := Start(hs.ctx, o)
	hs.mu.Lock()
	defer hs.mu.Unlock()
	defer close(c.ready)
	if err != nil {
		c.err = err
		return
	}
	c.eng = sub
	if hs.watch != nil {
		sub.Watch(hostWatch(c.id, c.name, hs.watch))
	}
}

// hostCall sends a call whose pipeline starts with -id to that host,
// once it is ready.
func (e *Engine) hostCall(ctx context.Context, pl []int, name string, args []any) (any, error) {
	sub, err := e.hostEngine(ctx, pl)
	if err != nil {
		return nil, err
	}
	v, err := sub.Call(ctx, pl[1:], name, args)
	return v, hostPidError(pl, err)
}

// hostBatch is Batch on a remote host's tree: its engine's.
func (e *Engine) hostBatch(ctx context.Context, pl []int, calls []builtins.BatchCall) ([]any, error) {
	sub, err := e.hostEngine(ctx, pl)
	if err != nil {
		return nil, err
	}
	v, err := sub.Batch(ctx, pl[1:], calls)
	return v, hostPidError(pl, err)
}

// hostEngine is the engine of the remote root pl[0] names, once it is up.
func (e *Engine) hostEngine(ctx context.Context, pl []int) (*Engine, error) {
	e.mu.Lock()
	hs := e.hosts
	e.mu.Unlock()
	var c *hostConn
	if hs != nil {
		hs.mu.Lock()
		if id := -pl[0]; id >= 1 && id <= len(hs.conns) { // -math.MinInt is itself
			c = hs.conns[id-1]
		}
		hs.mu.Unlock()
	}
	if c == nil {
		return nil, &BadPidError{Pipeline: pl, Index: 0}
	}
	return c.await(ctx, e.deadline(ctx))
}

// hostPidError names a bad pid of a host's pipeline from [-id], as the
// caller wrote it.
func hostPidError(pl []int, err error) error {
	if bp, ok := err.(*BadPidError); ok && bp.Index+1 < len(pl) {
		return &BadPidError{Pipeline: pl, Index: bp.Index + 1}
	}
	return err
}

// await waits until the host is ready, or the caller's deadline.
func (c *hostConn) await(ctx context.Context, deadline time.Time) (*Engine, error) {
	select {
	case <-c.ready:
	default:
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		select {
		case <-c.ready:
		case <-ctx.Done():
			return nil, fmt.Errorf("host %s: still connecting: %w", c.name, ctx.Err())
		case <-t.C:
			return nil, fmt.Errorf("host %s: still connecting: %w", c.name, context.DeadlineExceeded)
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	return c.eng, nil
}

// hostWatch passes a host's messages on with the host's name and its
// root's -id in front of their pipelines.
func hostWatch(id int, name string, fn func(builtins.Message)) func(builtins.Message) {
	if fn == nil {
		return nil
	}
	return func(m builtins.Message) {
		m.Pipeline = append([]int{-id}, m.Pipeline...)
		m.Host = name
		fn(m)
	}
}

// watchHosts gives the hosts' engines the watcher; those still
// connecting get it when they are ready.
func (e *Engine) watchHosts(fn func(builtins.Message)) {
	hs := e.hostSet()
	if hs == nil {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.watch = fn
	for _, c := range hs.conns {
		if c.eng != nil {
			c.eng.Watch(hostWatch(c.id, c.name, fn))
		}
	}
}

// connected lists the hosts that are ready, in the order of their ids.
func (hs *hostSet) connected() []*hostConn {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	var out []*hostConn
	for _, c := range hs.conns {
		if c.eng != nil {
			out = append(out, c)
		}
	}
	return out
}

// hostProcesses lists the ready hosts' processes, each root as [-id].
func (e *Engine) hostProcesses(out []builtins.ProcInfo) []builtins.ProcInfo {
	e.mu.Lock()
	hs := e.hosts
	e.mu.Unlock()
	if hs == nil {
		return out
	}
	for _, c := range hs.connected() {
		for _, p := range c.eng.Processes() {
			p.Pipeline = append([]int{-c.id}, p.Pipeline...)
			p.Host = c.name
			out = append(out, p)
		}
	}
	return out
}

// closeHosts ends the connections being made, then closes the hosts'
// engines.
func (e *Engine) closeHosts() {
	e.mu.Lock()
	hs := e.hosts
	e.mu.Unlock()
	if hs == nil {
		return
	}
	hs.mu.Lock()
	hs.closed = true
	hs.mu.Unlock()
	hs.cancel()
	hs.wg.Wait()
	var wg sync.WaitGroup
	for _, c := range hs.connected() {
		wg.Go(func() { c.eng.Close() })
	}
	wg.Wait()
}
