package lang

import (
	"fmt"
	"strconv"
	"strings"

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
	left, err := r.sum(c.Left)
	if err != nil || c.Op == "" {
		return left, err
	}
	right, err := r.sum(c.Right)
	if err != nil {
		return nil, err
	}
	return compare(c.Pos, c.Op, left, right)
}

func (r *run) sum(s *SumExpr) (any, error) { return leftAssoc(r.prod, s.Left, s.Rest) }

func (r *run) prod(p *ProdExpr) (any, error) { return leftAssoc(r.unary, p.Left, p.Rest) }

// operation is one step of a left-associative chain (SumOp, ProdOp): its
// operator and right operand, of the operand type T.
type operation[T any] interface {
	parts() (pos lexer.Position, op string, right T)
}

func (o *SumOp) parts() (lexer.Position, string, *ProdExpr) { return o.Pos, o.Op, o.Right }
func (o *ProdOp) parts() (lexer.Position, string, *Unary)   { return o.Pos, o.Op, o.Right }

// leftAssoc evaluates left op right op right … from the left, so that
// sums and products share one loop.
func leftAssoc[T any, O operation[T]](eval func(T) (any, error), left T, rest []O) (any, error) {
	acc, err := eval(left)
	for _, o := range rest {
		if err != nil {
			return nil, err
		}
		pos, op, operand := o.parts()
		var right any
		if right, err = eval(operand); err == nil {
			acc, err = arith(pos, op, acc, right)
		}
	}
	return acc, err
}

func (r *run) unary(u *Unary) (any, error) {
	switch {
	case u.Neg != nil:
		v, err := r.unary(u.Neg)
		if err != nil {
			return nil, err
		}
		return arith(u.Pos, "-", int64(0), v)
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
		return r.lookup(v.Pos, v.Ref)
	case *ListLit:
		return r.list(v)
	case *RecordLit:
		return r.record(v)
	case *Paren:
		return r.expr(v.X)
	}
	return nil, mistake(lexer.Position{}, "unknown value %T", v)
}

func (r *run) elem(e *Elem) (any, error) {
	if e.Value == nil {
		return builtins.Const(e.Word), nil
	}
	return r.value(e.Value)
}

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

// lookup reads a variable and follows its path: $r.cur, $args.0.
func (r *run) lookup(pos lexer.Position, ref VarRef) (any, error) {
	v, ok := r.locals[ref.Name]
	if !ok {
		v, ok = r.in.globals[ref.Name]
	}
	if !ok {
		return nil, mistake(pos, "undefined variable $%s", ref.Name)
	}
	for i, step := range ref.Path {
		var err error
		if v, err = index(v, step); err != nil {
			at := VarRef{Name: ref.Name, Path: ref.Path[:i+1]}
			return nil, mistake(pos, "%s: %v", at, err)
		}
	}
	return v, nil
}

// index takes a record's field or a list's element (counted from 0).
func index(v any, step string) (any, error) {
	switch v := v.(type) {
	case builtins.Record:
		f, ok := v[step]
		if !ok {
			return nil, fmt.Errorf("no field %s in %s", step, builtins.Format(v))
		}
		return f, nil
	case []any:
		n, err := strconv.Atoi(step)
		if err != nil {
			return nil, fmt.Errorf("a list is indexed by number, not %s", step)
		}
		if n < 0 || n >= len(v) {
			return nil, fmt.Errorf("index %d out of range (length %d)", n, len(v))
		}
		return v[n], nil
	}
	return nil, fmt.Errorf("cannot take .%s of %s", step, describe(v))
}

// describe names a value's type and shows it: int 3, string "x".
func describe(v any) string {
	if v == nil {
		return "ok"
	}
	return builtins.TypeName(v) + " " + builtins.Format(v)
}
