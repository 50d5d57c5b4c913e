package lang

import (
	"errors"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/alsh/alsh/builtins"
)

// topStmt runs a top-level statement and says whether its value should be
// echoed: assignments and expressions are, unless the expression is a
// command that prints for itself (print, help, ps…).
func (r *run) topStmt(s Stmt) (any, bool, error) {
	switch s := s.(type) {
	case *Assign:
		v, err := r.assign(s)
		return v, true, err
	case *ExprStmt:
		v, err := r.expr(s.Expr)
		return v, !quiet(s.Expr), err
	}
	return nil, false, r.stmt(s)
}

// quiet says whether an expression statement is a call that shows its own
// result.
func quiet(e *Expr) bool {
	c := bareCall(e)
	if c == nil {
		return false
	}
	if b, ok := builtinFuncs[c.Name]; ok {
		return b.quiet && !(c.Name == "exit" && len(c.Args) > 0 && isListArg(c.Args[0]))
	}
	if tc, ok := builtins.Lookup(c.Name); ok {
		return tc.Where == builtins.OnDriver && tc.Result == builtins.Nothing
	}
	return false
}

func isListArg(a *Arg) bool {
	_, ok := a.Value.(*ListLit)
	return ok
}

func (r *run) stmts(list []Stmt) error {
	for _, s := range list {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		if err := r.stmt(s); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) stmt(s Stmt) error {
	switch s := s.(type) {
	case *Assign:
		_, err := r.assign(s)
		return err
	case *ExprStmt:
		_, err := r.expr(s.Expr)
		return err
	case *If:
		return r.ifStmt(s)
	case *For:
		return r.forStmt(s)
	case *While:
		return r.whileStmt(s)
	case *Proc:
		return nil // defined before the program ran
	case *Return:
		return r.returnStmt(s)
	case *Break:
		return loopSignal{brk: true}
	case *Continue:
		return loopSignal{}
	case *Try:
		return r.try(s)
	case *Expect:
		return r.expect(s)
	}
	return mistake(lexer.Position{}, "unknown statement %T", s)
}

func (r *run) assign(s *Assign) (any, error) {
	v, err := r.expr(s.Value)
	if err != nil {
		return nil, err
	}
	r.set(s.Var.Name, v)
	return v, nil
}

// set binds a variable: a local inside a procedure, else a global.
func (r *run) set(name string, v any) {
	if r.locals != nil {
		r.locals[name] = v
		return
	}
	r.in.globals[name] = v
}

func (r *run) ifStmt(s *If) error {
	ok, err := r.cond(s.Cond)
	if err != nil {
		return err
	}
	switch {
	case ok:
		return r.stmts(s.Then.Stmts)
	case s.Else == nil:
		return nil
	case s.Else.If != nil:
		return r.ifStmt(s.Else.If)
	}
	return r.stmts(s.Else.Block.Stmts)
}

func (r *run) forStmt(s *For) error {
	v, err := r.expr(s.List)
	if err != nil {
		return err
	}
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			if s.Key != nil {
				r.set(s.Key.Name, int64(i))
			}
			r.set(s.Var.Name, e)
			if stop, err := r.loopBody(s.Body); stop || err != nil {
				return err
			}
		}
		return nil
	case builtins.Record:
		if s.Key == nil {
			return mistake(s.List.Pos, "for: a record needs two variables, for $name $value in …; got %s", describe(v))
		}
		for _, k := range v.Keys() {
			r.set(s.Key.Name, k)
			r.set(s.Var.Name, v[k])
			if stop, err := r.loopBody(s.Body); stop || err != nil {
				return err
			}
		}
		return nil
	}
	return mistake(s.List.Pos, "for: want a list (or a record) to loop over, got %s", describe(v))
}

// loopBody runs one iteration and says whether the loop should stop.
func (r *run) loopBody(b *Block) (bool, error) {
	err := r.stmts(b.Stmts)
	var sig loopSignal
	if errors.As(err, &sig) {
		return sig.brk, nil
	}
	return err != nil, err
}

func (r *run) whileStmt(s *While) error {
	for {
		ok, err := r.cond(s.Cond)
		if err != nil || !ok {
			return err
		}
		if stop, err := r.loopBody(s.Body); stop || err != nil {
			return err
		}
		if err := r.ctx.Err(); err != nil {
			return err
		}
	}
}

func (r *run) returnStmt(s *Return) error {
	if s.Value == nil {
		return returnSignal{}
	}
	v, err := r.expr(s.Value)
	if err != nil {
		return err
	}
	return returnSignal{value: v}
}

// try runs the body; a failure (not exit, not an interruption, not
// return/break/continue) is bound to the catch variable and handled.
func (r *run) try(s *Try) error {
	err := r.stmts(s.Body.Stmts)
	var e *Error
	if err == nil || !errors.As(err, &e) || e.Name == "interrupted" || r.ctx.Err() != nil {
		return err
	}
	if s.Var != nil {
		r.set(s.Var.Name, e.Value())
	}
	if s.Catch == nil {
		return nil
	}
	return r.stmts(s.Catch.Stmts)
}
