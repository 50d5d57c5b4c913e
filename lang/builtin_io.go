package lang

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/alsh/alsh/builtins"
)

// defaultWait is how long wait waits when no timeout is given.
const defaultWait = 5000

// pollSlice bounds each host call of wait, so that wait notices a
// cancelled context even if a host does not.
const pollSlice = 200 * time.Millisecond

// waitArgs is a parsed wait command.
type waitArgs struct {
	kind     string
	pipeline []int
	pattern  string
	deadline time.Time
	ms       int64
}

func doWait(r *run, c *Call, args []any) (any, error) {
	w, err := parseWait(c, args)
	if err != nil {
		return nil, err
	}
	switch w.kind {
	case "stdout", "stderr":
		return r.waitOutput(w)
	}
	return r.waitEvent(w)
}

func parseWait(c *Call, args []any) (*waitArgs, error) {
	if err := arity(c, args, 2, 4); err != nil {
		return nil, err
	}
	kind, _ := args[0].(builtins.Const)
	w := &waitArgs{kind: strings.ToLower(string(kind)), ms: defaultWait}
	output := w.kind == "stdout" || w.kind == "stderr"
	if !output && w.kind != "event" && w.kind != "exit" {
		return nil, usageError(c, "argument 1: want stdout, stderr, event or exit, got %s", describe(args[0]))
	}
	p, err := toPipeline(args[1])
	if err != nil {
		return nil, usageError(c, "argument 2: %v", err)
	}
	w.pipeline = p
	rest := args[2:]
	if output {
		if len(rest) == 0 {
			return nil, usageError(c, "wait %s needs a PATTERN", w.kind)
		}
		s, ok := rest[0].(string)
		if !ok {
			return nil, usageError(c, "argument 3 (pattern): want string, got %s", describe(rest[0]))
		}
		w.pattern, rest = s, rest[1:]
	}
	return w, w.timeout(c, rest)
}

func (w *waitArgs) timeout(c *Call, rest []any) error {
	if len(rest) > 1 {
		return usageError(c, "too many arguments")
	}
	if len(rest) == 1 {
		ms, ok := rest[0].(int64)
		if !ok || ms < 0 {
			return usageError(c, "timeout: want milliseconds, got %s", describe(rest[0]))
		}
		w.ms = ms
	}
	w.deadline = time.Now().Add(time.Duration(w.ms) * time.Millisecond)
	return nil
}

// slice is how long the next host call may wait.
func (w *waitArgs) slice() (int64, bool) {
	left := time.Until(w.deadline)
	if left <= 0 {
		return 0, false
	}
	return min(left, pollSlice).Milliseconds(), true
}

// waitOutput gathers output until it holds the pattern, and returns all
// of it, so nothing read is lost.
func (r *run) waitOutput(w *waitArgs) (any, error) {
	var got strings.Builder
	for {
		ms, ok := w.slice()
		if !ok {
			return nil, &namedError{name: "timeout", msg: fmt.Sprintf("timed out after %d ms waiting for %s on %s of %s; got %s",
				w.ms, builtins.Quote(w.pattern), w.kind, builtins.Format(pids(w.pipeline)), builtins.Quote(got.String()))}
		}
		v, err := r.hostPoll(w, ms)
		if err != nil {
			return nil, err
		}
		s, _ := v.(string)
		got.WriteString(s)
		if strings.Contains(got.String(), w.pattern) {
			return got.String(), nil
		}
	}
}

// waitEvent returns the next event, or for exit the first exit_status or
// termsig event.
func (r *run) waitEvent(w *waitArgs) (any, error) {
	for {
		ms, ok := w.slice()
		if !ok {
			return nil, &namedError{name: "timeout", msg: fmt.Sprintf("timed out after %d ms waiting for %s of %s",
				w.ms, map[string]string{"event": "an event", "exit": "the exit"}[w.kind], builtins.Format(pids(w.pipeline)))}
		}
		v, err := r.hostPoll(w, ms)
		if err != nil {
			return nil, err
		}
		if v != nil && (w.kind == "event" || isExit(v)) {
			return v, nil
		}
	}
}

func isExit(v any) bool {
	rec, ok := v.(builtins.Record)
	if !ok {
		return false
	}
	_, status := rec["exit_status"]
	_, sig := rec["termsig"]
	return status || sig
}

// hostPoll asks the host for output or an event, waiting up to ms. A host
// that answers at once with nothing gets a short pause before the next ask.
func (r *run) hostPoll(w *waitArgs, ms int64) (any, error) {
	name := w.kind
	if name == "exit" {
		name = "event"
	}
	start := time.Now()
	v, err := r.in.host.Call(r.ctx, w.pipeline, name, []any{ms})
	if err != nil {
		return nil, err
	}
	v = normalize(v)
	if (v == nil || v == "") && time.Since(start) < time.Duration(ms)*time.Millisecond/2 {
		err = sleep(r.ctx, min(10*time.Millisecond, time.Until(w.deadline)))
	}
	return v, err
}

func pids(p []int) []any {
	return mapList(len(p), func(i int) any { return int64(p[i]) })
}

func doPs(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 0, 0); err != nil {
		return nil, err
	}
	tw := tabwriter.NewWriter(r.in.opts.Stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PIPELINE\tPID\tUID\tCOMMAND")
	for _, p := range r.in.host.Processes() {
		cmd := "node"
		if p.Exec {
			cmd = strings.Join(p.Argv, " ")
		}
		uid := fmt.Sprint(p.Uid)
		if p.Uid < 0 {
			uid = "?"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", builtins.Format(pids(p.Pipeline)), p.Pid, uid, cmd)
	}
	return nil, tw.Flush()
}

// checkFailed is the error of a sourced file the check refuses: the
// first problem, and how many more there are.
func checkFailed(problems []*ParseError) error {
	first := *problems[0]
	if n := len(problems) - 1; n > 0 {
		more := "problem"
		if n > 1 {
			more = "problems"
		}
		first.Msg += fmt.Sprintf(" (and %d more %s: alsh check %s)", n, more, first.Pos.Filename)
	}
	return &first
}

func doSource(r *run, c *Call, args []any) (any, error) {
	name, err := only[string](c, args, "want a file name string")
	if err != nil {
		return nil, err
	}
	data, err := r.in.opts.ReadFile(r.in.resolve(name))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	prog, err := Parse(name, string(data))
	if err != nil {
		return nil, err
	}
	if problems := r.in.Check(prog); len(problems) > 0 {
		return nil, checkFailed(problems)
	}
	inner := *r
	inner.src = prog.src
	inner.hoist(prog)
	return nil, inner.stmts(prog.Stmts)
}
