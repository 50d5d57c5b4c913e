package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/box"
	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine"
	"github.com/alsh/alsh/lang"
)

const boxUsage = `usage: alsh box [OPTIONS] [--] PROGRAM ARGS…

Runs PROGRAM in a sandbox described by bubblewrap's options (see
docs/library.md), built by the sandbox module's sandbox.apply. --step
stops before the program runs, or at the first failed step, and opens
the REPL with the sandbox's process as $box.
`

// buildBox starts the sandbox's first process with the clone flags and
// maps of $spec, and applies $spec to it with the steps' calls that
// planBox planned in the same interpreter: $box is the pipeline the
// program runs in, and stays defined (half built) when a step fails. It
// is the program
//
//	use sandbox; $planned = sandbox.plans $spec   (planBox)
//	$box = [(clone [] $spec.clone $spec.maps)]
//	$box = sandbox.apply_planned $box $spec $planned
//
// made through Interp.Call: nothing is parsed, so alsh box never builds
// the parser unless --step opens the REPL.
func buildBox(ctx context.Context, in *lang.Interp, spec builtins.Record, planned any) error {
	growStack()
	first, err := in.Call(ctx, "clone", []any{}, spec["clone"], spec["maps"])
	if err != nil {
		return err
	}
	box := []any{first}
	in.SetVar("box", box)
	built, err := in.Call(ctx, "sandbox.apply_planned", box, spec, planned)
	if err != nil {
		return err
	}
	in.SetVar("box", built)
	return nil
}

// planBox loads the sandbox module into in and plans the steps' calls
// (sandbox.plans $spec), which depend on nothing but the steps: alsh box
// does it while the engine starts (the interpreter's 0.2-0.4 ms, on the
// way otherwise).
func planBox(ctx context.Context, in *lang.Interp, spec builtins.Record) (any, error) {
	growStack()
	in.SetVar("spec", spec)
	if _, err := in.Call(ctx, "use", "sandbox"); err != nil {
		return nil, err
	}
	planned, err := in.Call(ctx, "sandbox.plans", spec)
	if err != nil {
		return nil, err
	}
	warmTables([]any{"clone", spec["clone"], spec["maps"]}, planned)
	return planned, nil
}

// tableWarmer builds the constant tables of the calls a value holds
// (lists [NAME ARG…], records {call, tolerate}) by resolving the
// constants of one call of each name, and one errno: a table is built at
// its first lookup (the errnos' took 35-60 µs, the mount flags' 12-20),
// which would otherwise fall on the sandbox's first batches, not on
// planning.
type tableWarmer struct {
	seen   map[string]bool // the calls resolved
	errnos bool            // the errno table built
}

func warmTables(vs ...any) {
	w := &tableWarmer{seen: map[string]bool{}}
	for _, v := range vs {
		w.walk(v)
	}
}

func (w *tableWarmer) walk(v any) {
	switch v := v.(type) {
	case []any:
		if w.call(v) {
			return
		}
		for _, e := range v {
			w.walk(e)
		}
	case builtins.Record:
		if _, ok := v["tolerate"]; ok && !w.errnos {
			builtins.ErrnoByName("eexist")
			w.errnos = true
		}
		for _, f := range v {
			w.walk(f)
		}
	}
}

// call resolves l's constants if it is a call whose name was not seen,
// and says whether it is a call.
func (w *tableWarmer) call(l []any) bool {
	if len(l) == 0 {
		return false
	}
	name, ok := l[0].(string)
	if !ok {
		return false
	}
	c, ok := builtins.Lookup(name)
	if ok && !w.seen[name] {
		w.seen[name] = true
		builtins.Convert(c, l[1:])
	}
	return ok
}

// growStack grows the calling goroutine's stack to 32 kB at once, while
// it holds few frames: the interpreter's recursion would grow it from
// its first few kB by doubling, each time copying a deep stack and
// unwinding every frame of it (alsh box, alternated 600 times with and
// without it: 0.1 ms less a run).
//
//go:noinline
func growStack() {
	var frame [16 << 10]byte
	frame[len(frame)-1] = 1
	runtime.KeepAlive(&frame)
}

// laterEngine is the host of alsh box's interpreter, which plans (making
// no calls) before the engine is ready; eng is set once it is.
type laterEngine struct{ eng *engine.Engine }

var errNoEngineYet = errors.New("no engine yet: planning a sandbox makes no calls")

func (h *laterEngine) Call(ctx context.Context, pl []int, name string, args []any) (any, error) {
	if h.eng == nil {
		return nil, errNoEngineYet
	}
	return h.eng.Call(ctx, pl, name, args)
}

// Batch makes the interpreter's batch one (lang.Batcher), as the engine's.
func (h *laterEngine) Batch(ctx context.Context, pl []int, calls []builtins.BatchCall) ([]any, error) {
	if h.eng == nil {
		return nil, errNoEngineYet
	}
	return h.eng.Batch(ctx, pl, calls)
}

func (h *laterEngine) Processes() []builtins.ProcInfo {
	if h.eng == nil {
		return nil
	}
	return h.eng.Processes()
}

// runBox is alsh box: the exit status is the program's, as with bwrap (1
// when the sandbox cannot be built).
func runBox(stdio [3]*os.File, args []string) int {
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") {
		fmt.Fprint(stdio[1], boxUsage)
		return 0
	}
	// The engine starts while the options are read, the signals set up
	// and the steps planned. The root node holds none of the fds that
	// --file and --seccomp name (a proto-node closes every fd but its
	// own, a node executed gets its own only), which reading closes.
	c := &config{}
	c.early = c.startEarly()
	cwd, _ := os.Getwd()
	b, err := box.Parse(args, box.Options{UID: os.Getuid(), GID: os.Getgid(), Cwd: cwd,
		Home: os.Getenv("HOME"), ReadFD: readFD, TTY: terminal(stdio), Caps: effectiveCaps(),
		ReadFile: os.ReadFile, Cgroup: fmt.Sprintf("alsh-box-%d", os.Getpid())})
	if err != nil {
		c.early.discard()
		fmt.Fprintf(stdio[2], "alsh box: %v\n%s", err, boxUsage)
		return 1
	}
	c.catchSignals(true)
	host := &laterEngine{}
	p := &plannedBox{in: lang.New(host, lang.Options{Stdout: stdio[2], Stderr: stdio[2]}), spec: b.Spec()}
	if p.calls, err = planBox(context.Background(), p.in, p.spec); err != nil {
		c.early.discard()
		fmt.Fprintf(stdio[2], "alsh box: %v\n", err)
		return 1
	}
	return c.withEngine(stdio, func(ctx context.Context, eng *engine.Engine) int {
		host.eng = eng
		return boxRun(ctx, stdio, eng, b, p)
	})
}

// plannedBox is a sandbox planned (planBox) in its interpreter.
type plannedBox struct {
	in    *lang.Interp
	spec  builtins.Record
	calls any // sandbox.plans $spec
}

// terminal is the path of the terminal that stdin, stdout and stderr all
// are, or "": the program then gets the terminal itself, as under bwrap.
func terminal(stdio [3]*os.File) string {
	path := ""
	for i, f := range stdio {
		if !isTerminal(f) {
			return ""
		}
		p, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
		if err != nil || i > 0 && p != path {
			return ""
		}
		path = p
	}
	return path
}

// effectiveCaps are our effective capabilities as cap_* names (capget):
// what a root caller's program keeps by default, as with bwrap. None if
// they cannot be read.
func effectiveCaps() []string {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return nil
	}
	mask := uint64(data[1].Effective)<<32 | uint64(data[0].Effective)
	var caps []string
	for _, name := range builtins.ConstantNames("caps") {
		if bit, _ := builtins.Constant("caps", name); uint64(bit)&mask != 0 {
			caps = append(caps, name)
		}
	}
	return caps
}

// readFD reads an fd given on the command line to its end, and closes it.
func readFD(fd int) ([]byte, error) {
	f := os.NewFile(uintptr(fd), fmt.Sprintf("fd %d", fd))
	if f == nil {
		return nil, fmt.Errorf("fd %d is not open", fd)
	}
	defer f.Close()
	return io.ReadAll(f)
}

func boxRun(ctx context.Context, stdio [3]*os.File, eng *engine.Engine, b *box.Box, p *plannedBox) int {
	if b.Cgroup != "" {
		defer removeCgroup(ctx, stdio, eng, b.Cgroup)
	}
	in := p.in
	if err := buildBox(ctx, in, p.spec, p.calls); err != nil {
		fmt.Fprintf(stdio[2], "alsh box: %v\n", err)
		if b.Step {
			return stepREPL(ctx, stdio, eng, in)
		}
		return 1
	}
	if b.Step {
		return stepREPL(ctx, stdio, eng, in)
	}
	v, _ := in.Var("box")
	pl, err := pipeline(v)
	if err != nil {
		fmt.Fprintf(stdio[2], "alsh box: %v\n", err)
		return 1
	}
	status, exited := execRelayed(ctx, stdio, eng, pl, b.Argv, !hasTerminal(b))
	if exited && b.Cgroup == "" { // the cgroup's removal needs the engine
		eng.End() // its status known, alsh exits: the tree need not finish its exit (as with bwrap)
	}
	return status
}

// removeCgroup removes the sandbox's cgroup, killing what is left in it
// (its pid 1), once the program is done or the sandbox failed. A cgroup
// that was never made is no error.
func removeCgroup(ctx context.Context, stdio [3]*os.File, eng *engine.Engine, name string) {
	_, err := eng.Call(ctx, nil, "cgroup_delete", []any{name})
	if err != nil && !errors.Is(err, syscall.ENOENT) {
		fmt.Fprintf(stdio[2], "alsh box: removing the cgroup %s: %v\n", name, err)
	}
}

// hasTerminal says whether the program was given the terminal as stdio.
func hasTerminal(b *box.Box) bool {
	for _, s := range b.Steps {
		if s.([]any)[0] == "stdio" {
			return true
		}
	}
	return false
}

// stepREPL opens the REPL on the half-built sandbox: $box is its process.
func stepREPL(ctx context.Context, stdio [3]*os.File, eng *engine.Engine, in *lang.Interp) int {
	v, ok := in.Var("box")
	if !ok {
		fmt.Fprintln(stdio[2], "alsh box: the sandbox's process was never made; nothing to step into")
		return 1
	}
	fmt.Fprintf(stdio[2], "alsh box: the sandbox is $box = %s; execvp $box $spec.argv.0 $spec.argv runs the program\n", builtins.Format(v))
	return startREPLWith(ctx, stdio, eng, map[string]any{"box": v, "spec": varOrNil(in, "spec")}, "use sandbox\nuse run")
}

func varOrNil(in *lang.Interp, name string) any {
	v, _ := in.Var(name)
	return v
}

func pipeline(v any) ([]int, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("$box is %s, not a pipeline", builtins.Format(v))
	}
	pl := make([]int, len(l))
	for i, e := range l {
		n, ok := e.(int64)
		if !ok {
			return nil, fmt.Errorf("$box is %s, not a pipeline", builtins.Format(v))
		}
		pl[i] = int(n)
	}
	return pl, nil
}

// execRelayed runs the program in the sandbox's process and passes
// stdin, stdout and stderr through until it exits (feeding stdin unless
// the program has the terminal); its exit status is ours (128+N when
// signal N killed it). exited says whether the program's exit was seen.
func execRelayed(ctx context.Context, stdio [3]*os.File, eng *engine.Engine, pl []int, argv []string, feed bool) (status int, exited bool) {
	r := newRelay(pl, stdio[1], stdio[2])
	defer close(r.wake) // after Watch(nil): no take runs then
	eng.Watch(r.take)
	defer eng.Watch(nil)
	if _, err := eng.Call(ctx, pl, "execvp", []any{argv[0], anyStrings(argv)}); err != nil {
		fmt.Fprintf(stdio[2], "alsh box: %v\n", err)
		return 1, false
	}
	if feed {
		go feedStdin(ctx, eng, pl, stdio[0])
	}
	select {
	case status := <-r.exited:
		return status, true
	case <-ctx.Done():
		return 1, false
	}
}

func anyStrings(s []string) []any {
	out := make([]any, len(s))
	for i, a := range s {
		out[i] = a
	}
	return out
}

// feedStdin copies our stdin to the program's, then closes it.
func feedStdin(ctx context.Context, eng *engine.Engine, pl []int, stdin io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := stdin.Read(buf)
		if n > 0 {
			if _, err := eng.Call(ctx, pl, "stdin", []any{string(buf[:n])}); err != nil {
				return
			}
		}
		if err != nil {
			eng.Call(ctx, pl, "eof", nil)
			return
		}
	}
}

// relay writes the program's output as it comes, in order, from a queue
// of its own: the engine's watcher must not block on a slow reader.
type relay struct {
	pl          []int
	stdout, err io.Writer
	mu          sync.Mutex
	queue       []builtins.Message
	wake        chan struct{}
	exited      chan int
}

func newRelay(pl []int, stdout, stderr io.Writer) *relay {
	r := &relay{pl: pl, stdout: stdout, err: stderr, wake: make(chan struct{}, 1), exited: make(chan int, 1)}
	go r.drain()
	return r
}

func (r *relay) take(m builtins.Message) {
	if !slices.Equal(m.Pipeline, r.pl) {
		return
	}
	r.mu.Lock()
	r.queue = append(r.queue, m)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *relay) drain() {
	for range r.wake {
		r.mu.Lock()
		q := r.queue
		r.queue = nil
		r.mu.Unlock()
		for _, m := range q {
			if status, done := r.write(m); done {
				r.exited <- status
				return
			}
		}
	}
}

// write passes one message on; an exit event ends the relay.
func (r *relay) write(m builtins.Message) (int, bool) {
	switch m.Kind {
	case "stdout":
		io.WriteString(r.stdout, m.Data.(string))
	case "stderr":
		io.WriteString(r.err, m.Data.(string))
	case "event":
		return exitStatus(m.Data)
	}
	return 0, false
}

// exitStatus reads an exit event: {exit_status: N} or {termsig: sigN}.
func exitStatus(data any) (int, bool) {
	rec, ok := data.(builtins.Record)
	if !ok {
		return 0, false
	}
	switch n := rec["exit_status"].(type) {
	case int64:
		return int(n), true
	case int:
		return n, true
	}
	if sig, ok := rec["termsig"]; ok {
		if n, ok := builtins.SignalByName(fmt.Sprint(sig)); ok {
			return 128 + n, true
		}
		return 128, true
	}
	return 0, false
}
