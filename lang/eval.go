package lang

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/alsh/alsh/builtins"
)

// expr evaluates an expression. or, and and not take their operands as
// conditions (see cond) and give a bool.
func (r *run) expr(e *Expr) (any, error) {
	if len(e.Terms) == 1 {
		return r.and(e.Terms[0])
	}
	return r.cond(e)
}

func (r *run) and(a *AndExpr) (any, error) {
	if len(a.Terms) == 1 {
		return r.not(a.Terms[0])
	}
	return r.condAnd(a)
}

func (r *run) not(n *NotExpr) (any, error) {
	if n.Not != nil {
		ok, err := r.condNot(n.Not)
		return !ok, err
	}
	return r.cmp(n.Cmp)
}

func (r *run) cmp(c *CmpExpr) (any, error) {
	left, err := c.Left.eval(r)
	if err != nil || c.Op == "" {
		return left, err
	}
	right, err := c.Right.eval(r)
	if err != nil {
		return nil, err
	}
	return compare(c.Pos, c.Op, left, right)
}

func (r *run) unary(u *Unary) (any, error) {
	switch {
	case u.X != nil:
		v, err := r.unary(u.X)
		if err != nil {
			return nil, err
		}
		return prefix(u.Pos, u.Op, v)
	case u.Call != nil:
		return r.call(u.Call)
	}
	return r.value(u.Value)
}

func (r *run) value(v Value) (any, error) {
	switch v := v.(type) {
	case *IntLit:
		return int64(v.N), nil
	case *StrLit:
		return r.interpolate(v)
	case *RawLit:
		return string(v.S), nil
	case *BoolLit:
		return v.V == "true", nil
	case *OkLit:
		return nil, nil
	case *VarLit:
		x, err := r.lookup(v.Pos, v.Ref)
		if err != nil || len(v.Sels) == 0 {
			return x, err
		}
		return r.selectAll(x, v.Sels)
	case *ListLit:
		return r.list(v)
	case *RecordLit:
		return r.record(v)
	case *Paren:
		x, err := r.expr(v.X)
		if err != nil || len(v.Sels) == 0 {
			return x, err
		}
		return r.selectAll(x, v.Sels)
	case *TimeLit:
		return r.timeBlock(v)
	}
	return nil, mistake(lexer.Position{}, "unknown value %T", v)
}

func (r *run) elem(e *Elem) (any, error) { return e.eval(r) }

func (r *run) list(l *ListLit) (any, error) {
	out := make([]any, 0, len(l.Elems))
	for _, e := range l.Elems {
		v, err := r.elem(e)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (r *run) record(l *RecordLit) (any, error) {
	out := builtins.Record{}
	for _, f := range l.Fields {
		if _, dup := out[f.Name]; dup {
			return nil, mistake(f.Pos, "record has field %s twice", f.Name)
		}
		v, err := r.elem(f.Value)
		if err != nil {
			return nil, err
		}
		out[f.Name] = v
	}
	return out, nil
}

func (r *run) interpolate(s *StrLit) (any, error) {
	switch {
	case len(s.S.Parts) == 0:
		return "", nil
	case len(s.S.Parts) == 1 && s.S.Parts[0].Var == nil: // a plain string: no copy to make
		return s.S.Parts[0].Lit, nil
	}
	var b strings.Builder
	for _, p := range s.S.Parts {
		if p.Var == nil {
			b.WriteString(p.Lit)
			continue
		}
		v, err := r.lookup(s.Pos, *p.Var)
		if err != nil {
			return nil, err
		}
		b.WriteString(text(v))
	}
	return b.String(), nil
}

// text is how a value reads inside a string or in print: strings as
// they are, other values in literal syntax.
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return builtins.Format(v)
}

// lookup reads a variable and follows its path: $r.cur, $args.0, $l.$i.
func (r *run) lookup(pos lexer.Position, ref VarRef) (any, error) {
	v, ok := r.variable(ref.Name)
	if !ok {
		return nil, mistake(pos, "undefined variable $%s", ref.Name)
	}
	for i, step := range ref.Path {
		key, err := r.pathKey(pos, step)
		if err != nil {
			return nil, err
		}
		if v, err = index(v, key); err != nil {
			at := VarRef{Name: ref.Name, Path: ref.Path[:i+1]}
			return nil, mistake(pos, "%s: %v", at, err)
		}
	}
	return v, nil
}

// variable reads a local, else a global.
func (r *run) variable(name string) (any, bool) {
	v, ok := r.locals[name]
	if !ok {
		v, ok = r.in.globals[name]
	}
	return v, ok
}

// pathKey is a step of a path as an index: a field name, a number, or the
// value of a variable ($l.$i).
func (r *run) pathKey(pos lexer.Position, step string) (any, error) {
	if name, ok := strings.CutPrefix(step, "$"); ok {
		v, found := r.variable(name)
		if !found {
			return nil, mistake(pos, "undefined variable $%s", name)
		}
		return v, nil
	}
	if !maybeNumber(step) { // a field name: ParseInt's error would be an allocation
		return step, nil
	}
	if n, err := strconv.ParseInt(step, 10, 64); err == nil {
		return n, nil
	}
	return step, nil
}

// maybeNumber says whether s could be a number: only one that starts
// with a digit or a sign can.
func maybeNumber(s string) bool {
	return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '-' || s[0] == '+')
}

// index takes a record's field (by a name, a string or a constant) or a
// list's element (by an int, from 0).
func index(v, key any) (any, error) {
	switch v := v.(type) {
	case builtins.Record:
		name, ok := fieldName(key)
		if !ok {
			return nil, fmt.Errorf("a record is indexed by a field name, not %s", describe(key))
		}
		f, ok := v[name]
		if !ok {
			return nil, fmt.Errorf("no field %s in %s", name, builtins.Format(v))
		}
		return f, nil
	case []any:
		n, ok := key.(int64)
		if !ok {
			return nil, fmt.Errorf("a list is indexed by an int, not %s", describe(key))
		}
		if n < 0 || n >= int64(len(v)) {
			return nil, fmt.Errorf("index %d out of range of %s (length %d)", n, builtins.Format(v), len(v))
		}
		return v[n], nil
	}
	return nil, fmt.Errorf("cannot take .%s of %s", text(key), describe(v))
}

// fieldName reads a key as a record's field name.
func fieldName(key any) (string, bool) {
	switch k := key.(type) {
	case string:
		return k, true
	case builtins.Const:
		return string(k), true
	case int64: // a field named by digits: {0: …} is not written, but .0 reads here
		return strconv.FormatInt(k, 10), true
	}
	return "", false
}

// selectAll applies selectors in turn.
func (r *run) selectAll(v any, sels []*Selector) (any, error) {
	for _, s := range sels {
		var err error
		if v, err = r.selectOne(v, s); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (r *run) selectOne(v any, s *Selector) (any, error) {
	var key any
	switch {
	case s.Slice != nil:
		return r.slice(v, s.Slice)
	case s.Index != nil:
		k, err := r.expr(s.Index)
		if err != nil {
			return nil, err
		}
		key = k
	default:
		k, err := r.pathKey(s.Pos, strings.TrimPrefix(s.Field, "."))
		if err != nil {
			return nil, err
		}
		key = k
	}
	out, err := index(v, key)
	if err != nil {
		return nil, mistake(s.Pos, "%v", err)
	}
	return out, nil
}

// slice takes .[FROM:TO] of a string (bytes) or a list. FROM defaults to
// 0 and TO to the length; 0 <= FROM <= TO <= length, else an error.
func (r *run) slice(v any, s *Slice) (any, error) {
	var n int64
	switch v := v.(type) {
	case string:
		n = int64(len(v))
	case []any:
		n = int64(len(v))
	default:
		return nil, mistake(s.Pos, "cannot slice %s: want a string or a list", describe(v))
	}
	from, err := r.bound(s.From, 0)
	if err != nil {
		return nil, err
	}
	to, err := r.bound(s.To, n)
	if err != nil {
		return nil, err
	}
	if from < 0 || to > n || from > to {
		return nil, mistake(s.Pos, "slice [%d:%d] out of range of %s (length %d)", from, to, describe(shorten(v)), n)
	}
	if str, ok := v.(string); ok {
		return str[from:to], nil
	}
	return append([]any{}, v.([]any)[from:to]...), nil
}

// bound evaluates a slice bound, which must be an int.
func (r *run) bound(e *Expr, def int64) (int64, error) {
	if e == nil {
		return def, nil
	}
	v, err := r.expr(e)
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok {
		return 0, mistake(e.Pos, "slice bound is %s: want an int", describe(v))
	}
	return n, nil
}

// shorten cuts a long string or list for an error message.
func shorten(v any) any {
	switch v := v.(type) {
	case string:
		if len(v) > 64 {
			return v[:64] + "…"
		}
	case []any:
		if len(v) > 16 {
			return append(append([]any{}, v[:16]...), builtins.Const("…"))
		}
	}
	return v
}

// timeBlock runs a block and gives the time it took in nanoseconds.
func (r *run) timeBlock(t *TimeLit) (any, error) {
	start := time.Now()
	if err := r.stmts(t.Body.Stmts); err != nil {
		return nil, err
	}
	return time.Since(start).Nanoseconds(), nil
}

// describe names a value's type and shows it: int 3, string "x".
func describe(v any) string {
	if v == nil {
		return "ok"
	}
	return builtins.TypeName(v) + " " + builtins.Format(v)
}
