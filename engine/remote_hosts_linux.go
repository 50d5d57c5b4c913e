package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/alsh/alsh/builtins"
)

// hostSet holds the engines of the remote roots that the language's host
// started (ConnectHost). A pipeline whose first element is -id goes to
// engine id with the rest of the pipeline.
type hostSet struct {
	mu    sync.Mutex
	byID  map[int]*Engine
	names map[int]string
	watch func(builtins.Message)
}

// ConnectHost starts a root node on dest through ssh, as an engine of
// its own that this one owns, and returns the id that pipelines give as
// -id. Options: exec (a wrapper on the host, "sudo -n"), ssh (the ssh
// command, as ALSH_SSH_COMMAND).
func (e *Engine) ConnectHost(ctx context.Context, dest string, opts builtins.Record) (int, error) {
	o := Options{Host: dest, CallTimeout: e.opts.CallTimeout, StartTimeout: e.opts.StartTimeout, SSHCommand: e.opts.SSHCommand}
	for k, v := range opts {
		s, ok := v.(string)
		if !ok {
			return 0, fmt.Errorf("host %s: option %s: want a string, got %s", dest, k, builtins.Format(v))
		}
		switch k {
		case "exec":
			o.Exec = strings.Fields(s)
		case "ssh":
			o.SSHCommand = s
		default:
			return 0, fmt.Errorf("host %s: unknown option %s (want exec or ssh)", dest, k)
		}
	}
	sub, err := Start(ctx, o)
	if err != nil {
		return 0, err
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		sub.Close()
		return 0, fmt.Errorf("host %s: %w: the engine closed", dest, builtins.ErrExited)
	}
	if e.hosts == nil {
		e.hosts = &hostSet{byID: map[int]*Engine{}, names: map[int]string{}}
	}
	hs := e.hosts
	e.mu.Unlock()
	hs.mu.Lock()
	id := len(hs.byID) + 1
	hs.byID[id], hs.names[id] = sub, dest
	if hs.watch != nil {
		sub.Watch(hostWatch(id, dest, hs.watch))
	}
	hs.mu.Unlock()
	return id, nil
}

// hostCall sends a call whose pipeline starts with -id to that host.
func (e *Engine) hostCall(ctx context.Context, pl []int, name string, args []any) (any, error) {
	e.mu.Lock()
	hs := e.hosts
	e.mu.Unlock()
	if hs != nil {
		hs.mu.Lock()
		sub := hs.byID[-pl[0]]
		hs.mu.Unlock()
		if sub != nil {
			return sub.Call(ctx, pl[1:], name, args)
		}
	}
	return nil, &BadPidError{Pipeline: pl, Index: 0}
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

// watchHosts gives the hosts' engines the watcher.
func (e *Engine) watchHosts(fn func(builtins.Message)) {
	e.mu.Lock()
	hs := e.hosts
	if hs == nil && fn != nil {
		e.hosts = &hostSet{byID: map[int]*Engine{}, names: map[int]string{}}
		hs = e.hosts
	}
	e.mu.Unlock()
	if hs == nil {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.watch = fn
	for id, sub := range hs.byID {
		sub.Watch(hostWatch(id, hs.names[id], fn))
	}
}

// hostProcesses lists the hosts' processes, each root as [-id].
func (e *Engine) hostProcesses(out []builtins.ProcInfo) []builtins.ProcInfo {
	e.mu.Lock()
	hs := e.hosts
	e.mu.Unlock()
	if hs == nil {
		return out
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	for id := 1; id <= len(hs.byID); id++ {
		for _, p := range hs.byID[id].Processes() {
			p.Pipeline = append([]int{-id}, p.Pipeline...)
			p.Host = hs.names[id]
			out = append(out, p)
		}
	}
	return out
}

// closeHosts closes the hosts' engines.
func (e *Engine) closeHosts() {
	e.mu.Lock()
	hs := e.hosts
	e.mu.Unlock()
	if hs == nil {
		return
	}
	hs.mu.Lock()
	subs := make([]*Engine, 0, len(hs.byID))
	for _, sub := range hs.byID {
		subs = append(subs, sub)
	}
	hs.mu.Unlock()
	var wg sync.WaitGroup
	for _, sub := range subs {
		wg.Go(func() { sub.Close() })
	}
	wg.Wait()
}
