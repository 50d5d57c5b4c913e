package repl

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang"
)

// trackingHost stands between the interpreter and the Host. It remembers
// the last pipeline used (for the prompt) and the last call that failed
// (for error messages), and it routes asynchronous output: to the printer
// while async is on, except while a stdout, stderr or event call takes
// it from the queue, so that such calls (and wait) still get what they
// wait for.
type trackingHost struct {
	Host
	pr *printer

	// used by the REPL's goroutine only
	async     bool
	suspended bool
	taken     [][]int // pipelines whose output a call took while suspended
	last      []int
	failed    *failedCall
	calls     int // calls made, for the lesson check after an entry

	mu      sync.Mutex // guards holding and held (the engine calls deliver)
	holding bool
	held    []builtins.Message
	scroll  scrollback // recent output, replayed by attach (attach.go)
}

// failedCall is a call that returned an error, as the user wrote it.
type failedCall struct {
	name     string
	pipeline []int
	args     []any
}

func newTrackingHost(h Host, pr *printer) *trackingHost {
	return &trackingHost{Host: h, pr: pr}
}

// takes says whether a call takes queued output or events, or starts a
// program whose output the same entry may take (run.cmd execs, then
// waits): output stays queued until the entry ends.
func takes(name string) bool {
	switch name {
	case "stdout", "stderr", "event":
		return true
	case "execvp", "execve", "fexecve": // a procedure (run.cmd) may wait for it
		return true
	}
	return false
}

// Call performs a call, noting its pipeline and whether it failed.
func (t *trackingHost) Call(ctx context.Context, pl []int, name string, args []any) (any, error) {
	t.calls++
	if len(pl) > 0 {
		t.last = slices.Clone(pl)
	}
	if takes(name) {
		t.suspend(pl)
	}
	v, err := t.Host.Call(ctx, pl, name, args)
	if err != nil {
		t.failed = &failedCall{name, slices.Clone(pl), args}
	}
	return v, err
}

// ConnectHost passes the language's host on to the Host, when it reaches
// other machines (the engine does).
func (t *trackingHost) ConnectHost(ctx context.Context, dest string, opts builtins.Record) (int, error) {
	h, ok := t.Host.(lang.Hosts)
	if !ok {
		return 0, fmt.Errorf("host: %w: this alsh cannot reach other hosts", builtins.ErrUnsupported)
	}
	return h.ConnectHost(ctx, dest, opts)
}

// setAsync turns printing of asynchronous output on or off.
func (t *trackingHost) setAsync(on bool) {
	t.async = on
	t.suspended = false
	if on {
		t.Host.Watch(t.deliver)
	} else {
		t.Host.Watch(nil)
	}
}

// deliver is the Watch function: it never blocks.
func (t *trackingHost) deliver(m builtins.Message) {
	t.scroll.record(m)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.holding {
		t.held = append(t.held, m)
		return
	}
	t.pr.push(m)
}

// suspend queues output in the Host until the entry ends.
func (t *trackingHost) suspend(pl []int) {
	if !t.async {
		return
	}
	t.taken = append(t.taken, slices.Clone(pl))
	if t.suspended {
		return
	}
	t.suspended = true
	t.Host.Watch(nil)
	// a process that exits meanwhile leaves the live list but keeps its
	// queue: remember every process, to drain them all at the end
	for _, p := range t.Host.Processes() {
		t.taken = append(t.taken, p.Pipeline)
	}
}

// startEntry forgets the previous entry's failure.
func (t *trackingHost) startEntry() { t.failed = nil }

// endEntry resumes printing after an entry that suspended it: output
// that arrived meanwhile and was not taken is printed first, then what
// arrives from now on.
func (t *trackingHost) endEntry() {
	if !t.suspended {
		return
	}
	t.suspended = false
	t.mu.Lock()
	t.holding = true
	t.mu.Unlock()
	t.Host.Watch(t.deliver)
	names := t.hostNames()
	for _, pl := range t.drainList() {
		host := ""
		if len(pl) > 0 {
			host = names[pl[0]]
		}
		t.drain(pl, host)
	}
	t.mu.Lock()
	for _, m := range t.held {
		t.pr.push(m)
	}
	t.held, t.holding = nil, false
	t.mu.Unlock()
	t.taken = nil
}

// drainList is every pipeline that may hold queued output: the live ones
// and those whose output was taken during the entry.
func (t *trackingHost) drainList() [][]int {
	seen := map[string]bool{}
	var out [][]int
	add := func(pl []int) {
		if k := pipelineString(pl); !seen[k] {
			seen[k] = true
			out = append(out, pl)
		}
	}
	for _, p := range t.Host.Processes() {
		add(p.Pipeline)
	}
	for _, pl := range t.taken {
		add(pl)
	}
	return out
}

// drain moves what the Host queued for pl to the printer.
func (t *trackingHost) drain(pl []int, host string) {
	ctx := context.Background()
	for _, kind := range []string{"stdout", "stderr"} {
		v, err := t.Host.Call(ctx, pl, kind, []any{int64(0)})
		if s, ok := v.(string); ok && err == nil && s != "" {
			t.pr.push(builtins.Message{Pipeline: pl, Kind: kind, Data: s, Host: host})
		}
	}
	for {
		v, err := t.Host.Call(ctx, pl, "event", []any{int64(0)})
		if err != nil || v == nil {
			return
		}
		t.pr.push(builtins.Message{Pipeline: pl, Kind: "event", Data: v, Host: host})
	}
}

// hostNames maps each remote root's -id to its host's name, from the
// process list, for output taken from the queues.
func (t *trackingHost) hostNames() map[int]string {
	names := map[int]string{}
	for _, p := range t.Host.Processes() {
		if len(p.Pipeline) > 0 && p.Pipeline[0] < 0 && p.Host != "" {
			names[p.Pipeline[0]] = p.Host
		}
	}
	return names
}

// lastLive returns the last pipeline used if its process still lives.
func (t *trackingHost) lastLive() []int {
	if t.last == nil {
		return nil
	}
	for _, p := range t.Host.Processes() {
		if slices.Equal(p.Pipeline, t.last) {
			return t.last
		}
	}
	return nil
}
