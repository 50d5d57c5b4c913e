package repl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/alsh/alsh/builtins"
)

// DefaultEscape is the key that ends an attach: Ctrl-] (as telnet's and
// docker's).
const DefaultEscape byte = 0x1d

// Bounds of the output kept for a later attach (scrollback).
const (
	scrollbackBytes = 64 << 10 // per process: the last 64 KiB
	scrollbackProcs = 64       // processes kept; the oldest goes first
)

// scrollback keeps the recent output of each process, replayed when the
// user attaches to it: what arrived while detached.
type scrollback struct {
	mu    sync.Mutex
	bufs  map[string][]byte
	order []string
}

// record keeps a message's output (the Watch path: never blocks long).
func (s *scrollback) record(m builtins.Message) {
	data, ok := m.Data.(string)
	if !ok || (m.Kind != "stdout" && m.Kind != "stderr") {
		return
	}
	k := pipelineString(m.Pipeline)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bufs == nil {
		s.bufs = map[string][]byte{}
	}
	b, seen := s.bufs[k]
	if !seen {
		if len(s.order) >= scrollbackProcs {
			delete(s.bufs, s.order[0])
			s.order = s.order[1:]
		}
		s.order = append(s.order, k)
	}
	b = append(b, data...)
	if len(b) > scrollbackBytes {
		b = append([]byte(nil), b[len(b)-scrollbackBytes:]...)
	}
	s.bufs[k] = b
}

// take returns and forgets what was kept for pl.
func (s *scrollback) take(pl []int) []byte {
	k := pipelineString(pl)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bufs[k]
	delete(s.bufs, k)
	if i := slices.Index(s.order, k); i >= 0 {
		s.order = slices.Delete(s.order, i, i+1)
	}
	return b
}

// attachment routes messages while the terminal is attached to a
// process: its output to the terminal, everything else held until the
// attach ends. Its exit event ends the attach.
type attachment struct {
	pl   []int
	wake chan struct{}

	mu     sync.Mutex
	out    []byte
	held   []builtins.Message
	exited bool
}

func newAttachment(pl []int) *attachment {
	return &attachment{pl: pl, wake: make(chan struct{}, 1)}
}

// take is the Watch function while attached: it never blocks.
func (a *attachment) take(m builtins.Message) {
	a.mu.Lock()
	own := slices.Equal(m.Pipeline, a.pl)
	switch {
	case own && (m.Kind == "stdout" || m.Kind == "stderr"):
		s, _ := m.Data.(string)
		a.out = append(a.out, s...)
	case own && m.Kind == "event" && isExitEvent(m.Data):
		a.exited = true
		a.held = append(a.held, m)
	default:
		a.held = append(a.held, m)
	}
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// pending takes the output to write, and says whether the process exited.
func (a *attachment) pending() ([]byte, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.out
	a.out = nil
	return out, a.exited
}

func isExitEvent(v any) bool {
	r, ok := v.(builtins.Record)
	return ok && (r["exit_status"] != nil || r["termsig"] != nil)
}

// attachTarget reads attach's argument: a pipeline written as in a call
// ([$c], [123 456], []) or a variable holding one; none means the last
// process used.
func (r *repl) attachTarget(arg string) ([]int, error) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		if pl := r.host.lastLive(); pl != nil {
			return pl, nil
		}
		return nil, errors.New("usage: attach [PIPELINE] (no process used yet)")
	}
	if name, ok := strings.CutPrefix(arg, "$"); ok {
		v, found := r.interp.Var(name)
		if !found {
			return nil, fmt.Errorf("attach: $%s is not defined", name)
		}
		return pipelineValue(v)
	}
	inner, opened := strings.CutPrefix(arg, "[")
	inner, closed := strings.CutSuffix(inner, "]")
	if !opened || !closed {
		return nil, fmt.Errorf("attach: %q is not a pipeline (write it as in a call: [$c])", arg)
	}
	var pl []int
	for _, f := range strings.Fields(inner) {
		if name, ok := strings.CutPrefix(f, "$"); ok {
			v, found := r.interp.Var(name)
			if !found {
				return nil, fmt.Errorf("attach: $%s is not defined", name)
			}
			sub, err := pipelineValue(v)
			if err != nil {
				return nil, err
			}
			pl = append(pl, sub...)
			continue
		}
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("attach: %q in %s is neither a pid nor a variable", f, arg)
		}
		pl = append(pl, pid)
	}
	return pl, nil
}

// pipelineValue is a variable's value as pids: a pid, or a list of them.
func pipelineValue(v any) ([]int, error) {
	switch v := v.(type) {
	case int64:
		return []int{int(v)}, nil
	case []any:
		var pl []int
		for _, e := range v {
			n, ok := e.(int64)
			if !ok {
				return nil, fmt.Errorf("attach: %s is not a list of pids", builtins.Format(v))
			}
			pl = append(pl, int(n))
		}
		return pl, nil
	}
	return nil, fmt.Errorf("attach: %s is not a pipeline", builtins.Format(v))
}

// escapeName shows a control key as the user presses it: Ctrl-].
func escapeName(b byte) string {
	if b < 0x20 {
		return "Ctrl-" + string(rune(b+0x40))
	}
	return strconv.QuoteRune(rune(b))
}

// parseEscape reads :escape's argument: ^X, ctrl-x or Ctrl-X.
func parseEscape(s string) (byte, error) {
	rest, ok := strings.CutPrefix(s, "^")
	if !ok {
		if len(s) > 5 && strings.EqualFold(s[:5], "ctrl-") {
			rest, ok = s[5:], true
		}
	}
	if !ok || len(rest) != 1 {
		return 0, fmt.Errorf("usage: :escape ^X (a control key such as ^] or ctrl-a), not %q", s)
	}
	c := strings.ToUpper(rest)[0]
	if c < '@' || c > '_' {
		return 0, fmt.Errorf(":escape: %q has no control key (use a letter or one of @[\\]^_)", rest)
	}
	return c - 0x40, nil
}

// escapeCommand shows or sets the attach escape key.
func (r *repl) escapeCommand(args []string) {
	if len(args) == 0 {
		r.pr.printf("escape %s\n", escapeName(r.escape))
		return
	}
	b, err := parseEscape(args[0])
	if err != nil {
		r.pr.errorf("error: %v\n", err)
		return
	}
	r.escape = b
	r.pr.printf("escape %s\n", escapeName(b))
}

// attachCommand wires the terminal to a program until the escape key or
// its exit.
func (r *repl) attachCommand(ctx context.Context, arg string) {
	pl, err := r.attachTarget(arg)
	if err == nil {
		err = r.checkAttachable(pl)
	}
	if err != nil {
		r.pr.errorf("error: %v\n", err)
		return
	}
	term, err := openAttachTerminal()
	if err != nil {
		r.pr.errorf("error: attach: %v\n", err)
		return
	}
	isPty := r.resizeTo(ctx, pl, term)
	kind := "pipes: stdin, stdout and stderr"
	if isPty {
		kind = "its terminal"
	}
	r.pr.printf("attached to %s (%s); %s detaches\n", pipelineString(pl), kind, escapeName(r.escape))
	a := newAttachment(pl)
	r.cfg.Host.Watch(a.take)
	replay := append(r.host.scroll.take(pl), r.queuedOutput(ctx, pl)...)
	exited, err := r.runAttached(ctx, term, a, replay, isPty)
	term.close()
	r.host.setAsync(r.host.async)
	switch {
	case err != nil:
		r.pr.errorf("\nerror: attach: %v\n", err)
	case exited:
		r.pr.printf("\r\n")
	default:
		r.pr.printf("\r\ndetached from %s; attach %s to return\n", pipelineString(pl), pipelineString(pl))
	}
	a.mu.Lock()
	held := a.held
	a.mu.Unlock()
	for _, m := range held {
		r.pr.push(m)
	}
	r.host.last = slices.Clone(pl)
}

// checkAttachable: pl is a live process that runs a program.
func (r *repl) checkAttachable(pl []int) error {
	for _, p := range r.cfg.Host.Processes() {
		if slices.Equal(p.Pipeline, pl) {
			if !p.Exec {
				return fmt.Errorf("attach: %s is a node, not a program: attach reaches what a process exec'd", pipelineString(pl))
			}
			return nil
		}
	}
	return fmt.Errorf("attach: %s is not a live process", pipelineString(pl))
}

// queuedOutput takes what the Host queued for pl (async off, or output
// that came while an entry took it).
func (r *repl) queuedOutput(ctx context.Context, pl []int) []byte {
	var out []byte
	for _, kind := range []string{"stdout", "stderr"} {
		if v, err := r.cfg.Host.Call(ctx, pl, kind, []any{int64(0)}); err == nil {
			s, _ := v.(string)
			out = append(out, s...)
		}
	}
	return out
}

// resizeTo gives pl's terminal the size of ours; false if pl has none.
func (r *repl) resizeTo(ctx context.Context, pl []int, term *attachTerm) bool {
	rows, cols, err := term.size()
	if err != nil {
		rows, cols = 24, 80
	}
	_, err = r.cfg.Host.Call(ctx, pl, "pty_resize", []any{int64(rows), int64(cols)})
	return err == nil
}

// runAttached is the attach loop: keys to the program's stdin (the
// escape key ends it), output to the terminal, window sizes to its pty.
func (r *repl) runAttached(ctx context.Context, term *attachTerm, a *attachment, replay []byte, isPty bool) (exited bool, err error) {
	restore, err := term.raw()
	if err != nil {
		return false, err
	}
	defer restore()
	r.cfg.Stdout.Write(replay)
	keys, stopKeys := term.keys()
	defer stopKeys()
	winch, stopWinch := windowChanges()
	defer stopWinch()
	for {
		out, gone := a.pending()
		r.cfg.Stdout.Write(out)
		if gone {
			return true, nil
		}
		select {
		case <-a.wake:
		case b, ok := <-keys:
			if !ok {
				return false, errors.New("the terminal closed")
			}
			before, _, escaped := strings.Cut(string(b), string(r.escape))
			if before != "" {
				if _, err := r.cfg.Host.Call(ctx, a.pl, "stdin", []any{before}); err != nil {
					return false, err
				}
			}
			if escaped {
				return false, nil
			}
		case <-winch:
			if isPty {
				r.resizeTo(ctx, a.pl, term)
			}
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}
