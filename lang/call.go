package lang

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alsh/alsh/builtins"
)

// maxDepth bounds procedure recursion.
const maxDepth = 1000

// call runs a command: a procedure, a builtin of the language, or a call
// of the table (whose first argument is the pipeline). A lone word that
// names none of them is a constant.
func (r *run) call(c *Call) (any, error) {
	if def, ok := r.in.procs[c.Name]; ok {
		return r.callProc(c, def)
	}
	if b, ok := builtinFuncs[c.Name]; ok {
		return r.callBuiltin(c, b)
	}
	if tc, ok := builtins.Lookup(c.Name); ok {
		return r.callTable(c, tc)
	}
	if def, ok := r.sibling(c.Name); ok {
		return r.callProc(c, def)
	}
	if len(c.Args) == 0 && !strings.Contains(c.Name, ".") {
		return builtins.Const(c.Name), nil
	}
	return nil, r.unknownCommand(c)
}

// Call runs the command NAME with ARGS, values as Var returns them, as
// the statement `NAME ARGS…` would at the top level of a program: a
// procedure (a module's once use loaded it), a builtin of the language
// or a call of the table (its first argument the pipeline). Nothing is
// parsed, so a Go program that only drives modules never builds the
// parser. Its errors are Run's, without a position of their own.
//
// Lists and records already in the language's types are kept as they
// are, not copied: the caller must not change one it passed (the
// language never changes a value in place).
func (in *Interp) Call(ctx context.Context, name string, args ...any) (any, error) {
	return in.call(ctx, name, mapList(len(args), func(i int) any { return normalize(args[i]) }))
}

// call is Call with its arguments normalized.
func (in *Interp) call(ctx context.Context, name string, args []any) (any, error) {
	r := &run{in: in, ctx: ctx}
	c := &Call{Name: name}
	if def, ok := in.procs[name]; ok {
		return r.callProcArgs(c, def, args)
	}
	if b, ok := builtinFuncs[name]; ok {
		return r.callBuiltinArgs(c, b, args)
	}
	if tc, ok := builtins.Lookup(name); ok {
		if len(args) == 0 {
			return nil, failure(c.Pos, "badarg", "%s: missing pipeline: %s", name, tc.Signature())
		}
		return r.callTableArgs(c, tc, args)
	}
	return nil, r.unknownCommand(c)
}

// unknownCommand is the mistake of calling a name that is no command.
func (r *run) unknownCommand(c *Call) error {
	if msg := r.in.missingProc(c.Name); msg != "" {
		return mistake(c.Pos, "%s", msg)
	}
	return mistake(c.Pos, "unknown command %s%s", c.Name, suggest(c.Name, r.commandNames()))
}

func (r *run) args(c *Call) ([]any, error) {
	out := make([]any, len(c.Args))
	for i, a := range c.Args {
		v, err := r.arg(a)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (r *run) arg(a *Arg) (any, error) {
	switch {
	case a.Record != nil:
		return r.record(a.Record)
	case a.Value != nil:
		return r.value(a.Value)
	}
	return builtins.Const(a.Word), nil
}

func (r *run) callBuiltin(c *Call, b *builtin) (any, error) {
	args, err := r.args(c)
	if err != nil {
		return nil, err
	}
	return r.callBuiltinArgs(c, b, args)
}

// callBuiltinArgs runs a builtin with its evaluated arguments.
func (r *run) callBuiltinArgs(c *Call, b *builtin, args []any) (any, error) {
	v, err := b.fn(r, c, args)
	var exit ExitStatus
	var perr *ParseError
	if errors.As(err, &exit) || errors.As(err, &perr) {
		return nil, err
	}
	if err != nil {
		return nil, callError(c.Pos, c.Name, err)
	}
	return v, nil
}

// callTable performs a call of builtins.Table through the host.
func (r *run) callTable(c *Call, tc *builtins.Call) (any, error) {
	if len(c.Args) == 0 {
		return nil, failure(c.Pos, "badarg", "%s: missing pipeline: %s", c.Name, tc.Signature())
	}
	args, err := r.args(c)
	if err != nil {
		return nil, err
	}
	return r.callTableArgs(c, tc, args)
}

// callTableArgs performs a table call with its evaluated arguments.
func (r *run) callTableArgs(c *Call, tc *builtins.Call, args []any) (any, error) {
	ctx, cancel := r.callContext()
	defer cancel()
	return r.callTableIn(ctx, c, tc, args)
}

// callTableIn is callTableArgs bounded by ctx.
func (r *run) callTableIn(ctx context.Context, c *Call, tc *builtins.Call, args []any) (any, error) {
	pipeline, err := toPipeline(args[0])
	if err != nil {
		kind := "badarg"
		if errors.Is(err, builtins.ErrBadPid) {
			kind = "badpid"
		}
		return nil, failure(c.Pos, kind, "%s: pipeline: %v", c.Name, err)
	}
	args = namesAsConstants(tc, args)
	if _, err := builtins.Convert(tc, args[1:]); err != nil {
		return nil, callError(c.Pos, c.Name, err)
	}
	v, err := r.in.host.Call(ctx, pipeline, tc.Name, args[1:])
	if err != nil {
		return nil, callError(c.Pos, c.Name, err)
	}
	return normalize(v), nil
}

// namesAsConstants turns the strings given for arguments that take
// constants into constants, since a constant equals the string of its
// name: kill [] $c "sigterm", or a signal read from JSON. args[0] is the
// pipeline.
func namesAsConstants(tc *builtins.Call, args []any) []any {
	return constantsFrom(tc, args, 1)
}

// constantsFrom is namesAsConstants for args whose argument i of tc is
// args[i+first]: args itself when nothing changes (a batch's calls pass
// their lists on without a copy each).
func constantsFrom(tc *builtins.Call, args []any, first int) []any {
	var out []any
	for i, a := range tc.Args {
		j := i + first
		if a.Kind != builtins.Flags || j >= len(args) {
			continue
		}
		if v := stringsAsConsts(args[j]); v != nil {
			if out == nil {
				out = slices.Clone(args)
			}
			out[j] = v
		}
	}
	if out == nil {
		return args
	}
	return out
}

// stringsAsConsts is v with strings made constants, or nil when v holds
// no string.
func stringsAsConsts(v any) any {
	switch v := v.(type) {
	case string:
		return builtins.Const(v)
	case []any:
		first := slices.IndexFunc(v, isString)
		if first < 0 {
			return nil
		}
		out := slices.Clone(v)
		for i := first; i < len(out); i++ {
			if s, ok := out[i].(string); ok {
				out[i] = builtins.Const(s)
			}
		}
		return out
	}
	return nil
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

// toPipeline reads a list of pids.
func toPipeline(v any) ([]int, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of pids such as [] or [$c], got %s", describe(v))
	}
	out := make([]int, len(l))
	for i, e := range l {
		if id := hostRoot(e); id > 0 && i == 0 { // a remote root (host)
			out[i] = -int(id)
			continue
		}
		n, ok := e.(int64)
		if !ok {
			return nil, fmt.Errorf("element %d: want a pid, got %s", i+1, describe(e))
		}
		if n <= 0 || n > 1<<31-1 { // no process has that pid
			return nil, fmt.Errorf("%w: element %d: %d is not a pid (1 to 2147483647)", builtins.ErrBadPid, i+1, n)
		}
		out[i] = int(n)
	}
	return out, nil
}

// normalize turns what a host returns into the language's value types.
// A list or record already in them is returned as it is, not copied:
// the language never changes a value in place, and Interp.Call is given
// back what an earlier call returned (alsh box passes sandbox.plans'
// plan, hundreds of values, to sandbox.apply_planned, on the sandbox's
// way: their copy was up to 0.1 ms of a first run).
func normalize(v any) any {
	out, _ := normalized(v)
	return out
}

// normalized is normalize(v), and whether it differs from v. v itself
// comes back when it does not (not a new interface holding the same
// list: that is an allocation).
func normalized(v any) (any, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		return int64(x), true
	case []byte:
		return string(x), true
	case []string:
		return mapList(len(x), func(i int) any { return x[i] }), true
	case []int:
		return mapList(len(x), func(i int) any { return int64(x[i]) }), true
	case []any:
		if out, changed := normalizedList(x); changed {
			return out, true
		}
	case map[string]any:
		return copyRecord(builtins.Record(x)), true
	case builtins.Record:
		if recordChanges(x) {
			return copyRecord(x), true
		}
	}
	return v, false
}

// normalizedList is normalized for a list: nil and false unless an
// element changes.
func normalizedList(l []any) ([]any, bool) {
	for i, e := range l {
		if n, changed := normalized(e); changed {
			out := append(slices.Clone(l[:i:i]), n)
			for _, e := range l[i+1:] {
				out = append(out, normalize(e))
			}
			return out, true
		}
	}
	return nil, false
}

// recordChanges says whether normalized changes a field of r (a signal's
// name given as a string becomes a constant).
func recordChanges(r builtins.Record) bool {
	for k, f := range r {
		if _, changed := normalizedField(k, f); changed {
			return true
		}
	}
	return false
}

// copyRecord is a normalized copy of r.
func copyRecord(r builtins.Record) builtins.Record {
	out := make(builtins.Record, len(r))
	for k, f := range r {
		out[k], _ = normalizedField(k, f)
	}
	return out
}

// normalizedField is normalized for the field K of a record.
func normalizedField(k string, f any) (any, bool) {
	if s, ok := f.(string); ok && signalFields[k] {
		return builtins.Const(s), true
	}
	return normalized(f)
}

// signalFields are the fields of events and waitpid's records that name a
// signal; the language holds them as constants, as it holds an error's
// errno.
var signalFields = map[string]bool{"termsig": true, "stopsig": true, "signal": true}

func mapList(n int, f func(int) any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func (r *run) callProc(c *Call, def procDef) (any, error) {
	args, err := r.args(c)
	if err != nil {
		return nil, err
	}
	return r.callProcArgs(c, def, args)
}

// callProcArgs runs a procedure with its evaluated arguments.
func (r *run) callProcArgs(c *Call, def procDef, args []any) (any, error) {
	p := def.proc
	if len(args) != len(p.Params) {
		return nil, mistake(c.Pos, "%s: want %d arguments, got %d", p.Name, len(p.Params), len(args))
	}
	if r.depth >= maxDepth {
		return nil, mistake(c.Pos, "%s: procedures nested more than %d deep", p.Name, maxDepth)
	}
	inner := &run{in: r.in, ctx: r.ctx, locals: map[string]any{}, src: def.src, depth: r.depth + 1, module: def.module}
	for i, param := range p.Params {
		inner.locals[param.Name] = args[i]
	}
	err := inner.stmts(p.Body.Stmts)
	var ret returnSignal
	if errors.As(err, &ret) {
		return ret.value, nil
	}
	return nil, err
}

// commandNames lists what can be called, for suggestions.
func (r *run) commandNames() []string {
	return append(Commands(), r.in.Procs()...)
}

// suggest proposes up to three names near name, the nearest first.
func suggest(name string, names []string) string {
	type cand struct {
		name string
		dist int
	}
	var near []cand
	for _, n := range names {
		d := builtins.EditDistance(n, name)
		if d <= 2 || len(name) > 2 && strings.HasPrefix(n, name) {
			near = append(near, cand{n, d})
		}
	}
	if len(near) == 0 {
		return ""
	}
	slices.SortStableFunc(near, func(a, b cand) int { return a.dist - b.dist })
	var out []string
	for _, c := range near[:min(3, len(near))] {
		out = append(out, c.name)
	}
	return " (did you mean " + strings.Join(out, ", ") + "?)"
}
