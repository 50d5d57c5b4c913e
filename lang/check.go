package lang

import (
	"fmt"

	"github.com/alecthomas/participle/v2/lexer"
)

// check finds mistakes that the grammar lets through, so that they too stop
// the program before anything runs: return outside a procedure, break
// outside a loop, assignment to a field, a procedure named like a command.
func check(p *Program) error {
	c := &checker{}
	c.stmts(p.Stmts)
	if c.err != nil { // a nil *ParseError is not a nil error
		return c.err
	}
	return nil
}

type checker struct {
	inProc, inLoop bool
	depth          int // blocks we are in
	err            *ParseError
}

func (c *checker) fail(pos lexer.Position, format string, args ...any) {
	if c.err == nil {
		c.err = &ParseError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
	}
}

func (c *checker) stmts(list []Stmt) {
	for _, s := range list {
		c.stmt(s)
	}
}

func (c *checker) block(b *Block, inLoop bool) {
	saved := c.inLoop
	c.inLoop = c.inLoop || inLoop
	c.depth++
	c.stmts(b.Stmts)
	c.depth--
	c.inLoop = saved
}

func (c *checker) stmt(s Stmt) {
	switch s := s.(type) {
	case *Assign:
		c.assignable(s.Pos, s.Var)
	case *If:
		c.ifStmt(s)
	case *For:
		c.assignable(s.Pos, s.Var)
		if s.Key != nil {
			c.assignable(s.Pos, *s.Key)
		}
		c.block(s.Body, true)
	case *While:
		c.block(s.Body, true)
	case *Proc:
		c.proc(s)
	case *Return:
		if !c.inProc {
			c.fail(s.Pos, "return outside a procedure")
		}
	case *Break:
		c.loopOnly(s.Pos, "break")
	case *Continue:
		c.loopOnly(s.Pos, "continue")
	case *Try:
		c.try(s)
	}
}

func (c *checker) ifStmt(s *If) {
	c.block(s.Then, false)
	if s.Else == nil {
		return
	}
	if s.Else.If != nil {
		c.ifStmt(s.Else.If)
	} else {
		c.block(s.Else.Block, false)
	}
}

func (c *checker) try(s *Try) {
	c.block(s.Body, false)
	if s.Var != nil {
		c.assignable(s.Pos, *s.Var)
	}
	if s.Catch != nil {
		c.block(s.Catch, false)
	}
}

func (c *checker) loopOnly(pos lexer.Position, what string) {
	if !c.inLoop {
		c.fail(pos, "%s outside a loop", what)
	}
}

func (c *checker) assignable(pos lexer.Position, v VarRef) {
	if len(v.Path) > 0 {
		c.fail(pos, "cannot assign to %s: only to a plain variable", v)
	}
	if v.Name == "args" {
		c.fail(pos, "cannot assign to $args: it holds the script's arguments")
	}
}

func (c *checker) proc(p *Proc) {
	if c.depth > 0 {
		c.fail(p.Pos, "proc %s: define procedures at the top level, not in a block", p.Name)
	}
	if reason := reservedName(p.Name); reason != "" {
		c.fail(p.Pos, "cannot define proc %s: %s", p.Name, reason)
	}
	seen := map[string]bool{}
	for _, v := range p.Params {
		c.assignable(p.Pos, v)
		if seen[v.Name] {
			c.fail(p.Pos, "proc %s: parameter %s appears twice", p.Name, v)
		}
		seen[v.Name] = true
	}
	c.inProc, c.inLoop = true, false
	c.depth++
	c.stmts(p.Body.Stmts)
	c.depth--
	c.inProc = false
}
