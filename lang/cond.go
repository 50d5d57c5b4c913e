package lang

import (
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/alsh/alsh/builtins"
)

// Conditions (if, while, expect, and the operands of and, or, not) take a
// bool, or a call by its outcome (see condCall). Any other value is an
// error that says what was given.

func (r *run) cond(e *Expr) (bool, error) {
	for _, t := range e.Terms {
		ok, err := r.condAnd(t)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func (r *run) condAnd(a *AndExpr) (bool, error) {
	for _, t := range a.Terms {
		ok, err := r.condNot(t)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (r *run) condNot(n *NotExpr) (bool, error) {
	if n.Not != nil {
		ok, err := r.condNot(n.Not)
		return !ok, err
	}
	if c := cmpCall(n.Cmp); c != nil && r.isCommand(c) {
		return r.condCall(c)
	}
	v, err := r.cmp(n.Cmp)
	if err != nil {
		return false, err
	}
	return truth(n.Pos, v)
}

// condCall runs a call for its outcome: a failure is false, a bool is
// itself. ok is true for a command that returns nothing (setuid, sleep, a
// procedure without return) but false for a call of the table that has a
// value to give and gave none (getenv of an unset name, event with none
// queued). A value builtin (len, find…) must give a bool; any other value
// means the call succeeded.
func (r *run) condCall(c *Call) (bool, error) {
	v, err := r.call(c)
	if err != nil {
		if isCallFailure(err) && r.ctx.Err() == nil {
			return false, nil
		}
		return false, err
	}
	switch v := v.(type) {
	case bool:
		return v, nil
	case nil:
		tc, isCall := builtins.Lookup(c.Name)
		return !isCall || tc.Result == builtins.Nothing || c.Name == "exit", nil
	}
	if valueBuiltins[c.Name] {
		return false, mistake(c.Pos, "condition: %s gave %s: want a bool (compare it: (%s …) == …)", c.Name, describe(v), c.Name)
	}
	return true, nil
}

func truth(pos lexer.Position, v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, mistake(pos, "condition is %s: want a bool or a call", describe(v))
	}
	return b, nil
}

// isCommand says whether a call names a procedure, a builtin or a call of
// the table, rather than being a constant.
func (r *run) isCommand(c *Call) bool {
	if _, ok := r.in.procs[c.Name]; ok {
		return true
	}
	if _, ok := builtinFuncs[c.Name]; ok {
		return true
	}
	_, ok := builtins.Lookup(c.Name)
	return ok
}

// cmpCall returns the call when a comparison is just one call.
func cmpCall(c *CmpExpr) *Call {
	if c.Op != "" || len(c.Left.Rest) > 0 {
		return nil
	}
	return c.Left.Left.Call
}

// singleCmp returns the comparison when an expression is just one.
func singleCmp(e *Expr) *CmpExpr {
	if len(e.Terms) != 1 || len(e.Terms[0].Terms) != 1 {
		return nil
	}
	return e.Terms[0].Terms[0].Cmp
}

// bareCall returns the call when an expression is just one call.
func bareCall(e *Expr) *Call {
	if c := singleCmp(e); c != nil {
		return cmpCall(c)
	}
	return nil
}
