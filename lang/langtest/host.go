// Package langtest provides a fake lang.Host: a process tree in memory
// that answers calls of builtins.Table without any OS work, for tests of
// the language, the REPL and the documentation examples.
package langtest

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/alsh/alsh/builtins"
)

// RootPid is the pid the fake gives the root node [].
const RootPid = 10

// FirstPid is the pid of the first process fork or clone creates; each
// later one gets the next number.
const FirstPid = 100

// Host is a fake lang.Host. Calls are checked with builtins.Convert, as
// the engine checks them; fork and clone add processes; a program exec'd
// as cat echoes its stdin to its stdout. Replies queued with Reply are
// returned first, one per call of that name.
type Host struct {
	// Trace, when set, receives one line per call: > name [pipeline] args.
	Trace io.Writer

	mu    sync.Mutex
	next  int
	hosts int // remote roots made by ConnectHost
	// the hosts that ConnectHost could not reach: their calls' error
	unreachable map[int]error
	procs       map[string]*proc
	replies     map[string][]Reply
	calls       []string
}

// Reply is a scripted answer: a value, or an error.
type Reply struct {
	Value any
	Err   error
}

type proc struct {
	pipeline []int
	exec     []string
	uid      int
	cwd      string
	hostname string
	rlimits  map[int64]builtins.Record
	stdout   []string
	stderr   []string
	events   []any
}

// New returns a fake with only the root node.
func New() *Host {
	h := &Host{next: FirstPid, procs: map[string]*proc{}, replies: map[string][]Reply{}}
	h.procs[key(nil)] = newProc(nil)
	return h
}

func newProc(pipeline []int) *proc {
	return &proc{pipeline: pipeline, cwd: "/", hostname: "alsh", rlimits: map[int64]builtins.Record{}}
}

func key(pipeline []int) string { return fmt.Sprint(pipeline) }

// Reply queues answers for calls named name.
func (h *Host) Reply(name string, replies ...Reply) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.replies[name] = append(h.replies[name], replies...)
}

// Output queues bytes on a process's stdout or stderr (stream "stdout" or
// "stderr"), or an event (stream "event", data a builtins.Record).
func (h *Host) Output(pipeline []int, stream string, data any) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.procs[key(pipeline)]
	if p == nil {
		return fmt.Errorf("no process %v", pipeline)
	}
	switch stream {
	case "stdout":
		p.stdout = append(p.stdout, data.(string))
	case "stderr":
		p.stderr = append(p.stderr, data.(string))
	default:
		p.events = append(p.events, data)
	}
	return nil
}

// Calls returns the calls made so far, one line each.
func (h *Host) Calls() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.calls...)
}

// Errno returns the errno of a name (eperm), as a system call fails with it.
func Errno(call, name string) (error, bool) {
	e, ok := builtins.ErrnoByName(name)
	if !ok {
		return nil, false
	}
	return &os.SyscallError{Syscall: call, Err: e}, true
}

// Call implements lang.Host.
func (h *Host) Call(ctx context.Context, pipeline []int, name string, args []any) (any, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	line := fmt.Sprintf("%s %s", name, builtins.Format(pidList(pipeline)))
	for _, a := range args {
		line += " " + builtins.Format(a)
	}
	h.calls = append(h.calls, line)
	if h.Trace != nil {
		fmt.Fprintf(h.Trace, "> %s\n", line)
	}
	c, ok := builtins.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, builtins.ErrUnsupported)
	}
	conv, err := builtins.Convert(c, args)
	if err != nil {
		return nil, err
	}
	if len(pipeline) > 0 && h.unreachable[-pipeline[0]] != nil {
		return nil, h.unreachable[-pipeline[0]]
	}
	p := h.procs[key(pipeline)]
	if p == nil || (p.exec != nil && c.Where == builtins.OnNode) {
		return nil, fmt.Errorf("%s: %w", name, h.notThere(pipeline))
	}
	if q := h.replies[name]; len(q) > 0 {
		h.replies[name] = q[1:]
		return q[0].Value, q[0].Err
	}
	return h.perform(p, c, conv)
}

// notThere words a pipeline's failure as the engine does.
func (h *Host) notThere(pipeline []int) error {
	for i := range pipeline {
		if h.procs[key(pipeline[:i+1])] == nil {
			return fmt.Errorf("%w: %d is not a live child of %s", builtins.ErrBadPid,
				pipeline[i], builtins.Format(pidList(pipeline[:i])))
		}
	}
	p := h.procs[key(pipeline)]
	return fmt.Errorf("%w: %s runs %s: calls go to nodes, and stdin to the program",
		builtins.ErrNotNode, builtins.Format(pidList(pipeline)), p.exec[0])
}

func pidList(p []int) []any {
	out := make([]any, len(p))
	for i, n := range p {
		out[i] = int64(n)
	}
	return out
}

// perform gives the default answer of each call.
func (h *Host) perform(p *proc, c *builtins.Call, args []any) (any, error) {
	switch c.Name {
	case "fork", "clone":
		return h.fork(p), nil
	case "getpid":
		return int64(h.pid(p)), nil
	case "getppid":
		return int64(h.pid(&proc{pipeline: parent(p.pipeline)})), nil
	case "execvp", "execve":
		return h.exec(p, args)
	case "exit":
		h.exitProc(p, args[0].(int64))
		return nil, nil
	case "stdin":
		if p.exec != nil && path.Base(p.exec[0]) == "cat" {
			p.stdout = append(p.stdout, args[0].(string))
		}
		return nil, nil
	case "eof":
		if p.exec != nil && path.Base(p.exec[0]) == "cat" { // cat exits at end of input
			p.events = append(p.events, builtins.Record{"exit_status": int64(0)})
		}
		return nil, nil
	case "stdout":
		return take(&p.stdout), nil
	case "stderr":
		return take(&p.stderr), nil
	case "event":
		if len(p.events) == 0 {
			return nil, nil
		}
		ev := p.events[0]
		p.events = p.events[1:]
		return ev, nil
	}
	return h.performState(p, c, args)
}

func (h *Host) performState(p *proc, c *builtins.Call, args []any) (any, error) {
	switch c.Name {
	case "setuid":
		p.uid = int(args[0].(int64))
	case "chdir":
		p.cwd = args[0].(string)
	case "getcwd":
		return p.cwd, nil
	case "sethostname":
		p.hostname = args[0].(string)
	case "gethostname":
		return p.hostname, nil
	case "getrlimit":
		return p.rlimit(args[0].(int64)), nil
	case "setrlimit":
		return nil, p.setrlimit(args[0].(int64), args[1].(builtins.Record))
	}
	return zero(c.Result), nil
}

func zero(k builtins.Kind) any {
	switch k {
	case builtins.Int:
		return int64(0)
	case builtins.Str:
		return ""
	case builtins.Rec:
		return builtins.Record{}
	case builtins.List:
		return []any{}
	}
	return nil
}

func (p *proc) rlimit(res int64) builtins.Record {
	if r, ok := p.rlimits[res]; ok {
		return r
	}
	return builtins.Record{"cur": int64(1024), "max": int64(4096)}
}

// setrlimit refuses to raise a hard limit, as without CAP_SYS_RESOURCE.
func (p *proc) setrlimit(res int64, r builtins.Record) error {
	if r["max"].(int64) > p.rlimit(res)["max"].(int64) {
		return &os.SyscallError{Syscall: "setrlimit", Err: syscall.EPERM}
	}
	p.rlimits[res] = r
	return nil
}

func (h *Host) fork(p *proc) int64 {
	pid := h.next
	h.next++
	child := newProc(append(append([]int(nil), p.pipeline...), pid))
	child.uid = p.uid
	h.procs[key(child.pipeline)] = child
	return int64(pid)
}

func (h *Host) pid(p *proc) int {
	if len(p.pipeline) == 0 {
		return RootPid
	}
	return p.pipeline[len(p.pipeline)-1]
}

func parent(p []int) []int {
	if len(p) == 0 {
		return nil
	}
	return p[:len(p)-1]
}

func (h *Host) exec(p *proc, args []any) (any, error) {
	file := args[0].(string)
	if strings.Contains(file, "missing") {
		return nil, &os.SyscallError{Syscall: "execve", Err: syscall.ENOENT}
	}
	for _, a := range args[1].([]any) {
		p.exec = append(p.exec, a.(string))
	}
	if len(p.exec) == 0 {
		p.exec = []string{file}
	}
	return nil, nil
}

func (h *Host) exitProc(p *proc, status int64) {
	p.events = append(p.events, builtins.Record{"exit_status": status})
	p.exec = []string{"(exited)"}
}

func take(q *[]string) string {
	s := strings.Join(*q, "")
	*q = nil
	return s
}

// Processes implements lang.Host: every process, root first, by pipeline.
func (h *Host) Processes() []builtins.ProcInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []builtins.ProcInfo
	for _, p := range h.sorted() {
		out = append(out, builtins.ProcInfo{Pipeline: p.pipeline, Pid: h.pid(p),
			Exec: p.exec != nil, Argv: p.exec, Uid: p.uid})
	}
	return out
}

// sorted lists the processes by pipeline, a parent before its children.
func (h *Host) sorted() []*proc {
	return slices.SortedFunc(maps.Values(h.procs), func(a, b *proc) int {
		return slices.Compare(a.pipeline, b.pipeline)
	})
}
