package lang

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/alsh/alsh/builtins"
)

// Check finds the mistakes a program shows without running: undefined
// variables, unknown commands, calls of the table with the wrong number
// of arguments or with a literal of the wrong type or an unknown constant,
// procedures called with the wrong number of arguments, lists and records
// that hold the name of a call (a call there needs parentheses), an
// operator that a call's arguments stop at before a constant, and
// statements that can never run. The interpreter's variables and
// procedures count as defined, so a REPL checks each entry against what
// earlier ones defined. The problems come sorted by position.
func (in *Interp) Check(p *Program) []*ParseError {
	s := &static{in: in, procs: map[string]*Proc{}, globals: map[string]bool{}}
	for name := range in.globals {
		s.globals[name] = true
	}
	for name, def := range in.procs {
		s.procs[name] = def.proc
	}
	for _, st := range p.Stmts {
		if proc, ok := st.(*Proc); ok {
			s.procs[proc.Name] = proc
			// a module's file calls its procedures by their qualified
			// names: sandbox.alsh calls sandbox.mkdirs
			if mod := moduleOfFile(proc.Pos.Filename); mod != "" {
				s.procs[mod+"."+proc.Name] = proc
			}
		}
	}
	s.useModules(p)
	s.sourced = usesSource(p)
	s.lenient = in.opts.Interactive
	assigned(p.Stmts, s.globals, false)
	s.scope = s.globals
	s.stmts(p.Stmts)
	slices.SortStableFunc(s.problems, func(a, b *ParseError) int {
		return cmpPos(a.Pos, b.Pos)
	})
	return s.problems
}

func cmpPos(a, b lexer.Position) int {
	if a.Line != b.Line {
		return a.Line - b.Line
	}
	return a.Column - b.Column
}

// static is the state of a Check.
type static struct {
	in      *Interp
	procs   map[string]*Proc
	globals map[string]bool
	scope   map[string]bool // the variables a read may name here
	sourced bool            // the program sources a file, which may define anything
	inProc  bool            // checking a procedure's body
	// lenient: a procedure's body may read globals that later entries of
	// an interactive session define.
	lenient  bool
	problems []*ParseError
}

func (s *static) report(pos lexer.Position, format string, args ...any) {
	s.problems = append(s.problems, &ParseError{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// assigned adds the variables that statements assign, at any depth of
// blocks but not inside procedures (unless inProc: a procedure's body).
func assigned(list []Stmt, vars map[string]bool, inProc bool) {
	for _, st := range list {
		switch st := st.(type) {
		case *Assign:
			vars[st.Var.Name] = true
		case *For:
			vars[st.Var.Name] = true
			if st.Key != nil {
				vars[st.Key.Name] = true
			}
			assigned(st.Body.Stmts, vars, inProc)
		case *If:
			for ; st != nil; st = elseIf(st) {
				assigned(st.Then.Stmts, vars, inProc)
				if st.Else != nil && st.Else.Block != nil {
					assigned(st.Else.Block.Stmts, vars, inProc)
				}
			}
		case *While:
			assigned(st.Body.Stmts, vars, inProc)
		case *Try:
			assigned(st.Body.Stmts, vars, inProc)
			if st.Var != nil {
				vars[st.Var.Name] = true
			}
			if st.Catch != nil {
				assigned(st.Catch.Stmts, vars, inProc)
			}
		}
	}
}

func elseIf(st *If) *If {
	if st.Else == nil {
		return nil
	}
	return st.Else.If
}

// usesSource says whether a program names the command source anywhere
// (comments and strings aside).
func usesSource(p *Program) bool {
	toks, err := lexAll("", p.src)
	if err != nil {
		return true
	}
	for _, t := range toks {
		if t.Type == tokIdent && t.Value == "source" {
			return true
		}
	}
	return false
}

func (s *static) stmts(list []Stmt) {
	for i, st := range list {
		s.stmt(st)
		if what := ends(st); what != "" && i+1 < len(list) {
			s.report(stmtPos(list[i+1]), "unreachable: this statement comes after %s", what)
			s.stmts(list[i+2:]) // still check the rest
			return
		}
	}
}

// ends names a statement after which nothing in its block runs, or "".
func ends(st Stmt) string {
	switch st := st.(type) {
	case *Return:
		return "return"
	case *Break:
		return "break"
	case *Continue:
		return "continue"
	case *ExprStmt:
		c := bareCall(st.Expr)
		if c == nil {
			return ""
		}
		if c.Name == "fail" || c.Name == "exit" && scriptExit(c) {
			return c.Name
		}
	}
	return ""
}

// moduleOfFile is the module name a file would be used by: sandbox for
// lib/sandbox.alsh.
func moduleOfFile(file string) string {
	base := filepath.Base(file)
	if !strings.HasSuffix(base, ".alsh") || !isModuleName(strings.TrimSuffix(base, ".alsh")) {
		return ""
	}
	return strings.TrimSuffix(base, ".alsh")
}

// scriptExit: an exit that surely ends the script, with no argument or a
// literal status first. exit $pl 127 may be the exit call on the pipeline
// $pl, which ends a process, not the script.
func scriptExit(c *Call) bool {
	if len(c.Args) == 0 {
		return true
	}
	_, isInt := c.Args[0].Value.(*IntLit)
	return isInt
}

func stmtPos(st Stmt) lexer.Position {
	switch st := st.(type) {
	case *Assign:
		return st.Pos
	case *If:
		return st.Pos
	case *For:
		return st.Pos
	case *While:
		return st.Pos
	case *Proc:
		return st.Pos
	case *Return:
		return st.Pos
	case *Break:
		return st.Pos
	case *Continue:
		return st.Pos
	case *Try:
		return st.Pos
	case *Expect:
		return st.Pos
	case *ExprStmt:
		return st.Pos
	}
	return lexer.Position{}
}

func (s *static) stmt(st Stmt) {
	switch st := st.(type) {
	case *Assign:
		s.expr(st.Value)
	case *If:
		s.expr(st.Cond)
		s.stmts(st.Then.Stmts)
		if st.Else != nil && st.Else.If != nil {
			s.stmt(st.Else.If)
		} else if st.Else != nil {
			s.stmts(st.Else.Block.Stmts)
		}
	case *For:
		s.expr(st.List)
		s.stmts(st.Body.Stmts)
	case *While:
		s.expr(st.Cond)
		s.stmts(st.Body.Stmts)
	case *Proc:
		s.proc(st)
	case *Return:
		if st.Value != nil {
			s.expr(st.Value)
		}
	case *Try:
		s.stmts(st.Body.Stmts)
		if st.Catch != nil {
			s.stmts(st.Catch.Stmts)
		}
	case *Expect:
		s.expect(st)
	case *ExprStmt:
		s.expr(st.Expr)
	}
}

func (s *static) proc(p *Proc) {
	locals := map[string]bool{}
	for name := range s.globals {
		locals[name] = true
	}
	for _, v := range p.Params {
		locals[v.Name] = true
	}
	assigned(p.Body.Stmts, locals, true)
	saved := s.scope
	s.scope, s.inProc = locals, true
	s.stmts(p.Body.Stmts)
	s.scope, s.inProc = saved, false
}

// errorNames are the names expect takes besides errnos.
var errorNames = []string{"badpid", "badarg", "filtered", "unsupported", "exited", "node_exited", "notnode", "timeout", "wrapper_failed", "expect", "error"}

func (s *static) expect(e *Expect) {
	if e.Call == nil {
		s.expr(e.Cond)
		return
	}
	if _, ok := builtins.ErrnoByName(e.Err); !ok && !slices.Contains(errorNames, e.Err) {
		s.report(e.Pos, "expect %s: unknown error name %s (an errno such as eperm, or one of %s)", e.Err, e.Err, strings.Join(errorNames, " "))
	}
	if !s.isCommand(e.Call.Name) {
		s.unknownCommand(e.Call)
		return
	}
	s.call(e.Call)
}

func (s *static) expr(e *Expr) {
	for _, a := range e.Terms {
		for _, n := range a.Terms {
			for n.Not != nil {
				n = n.Not
			}
			s.arith(n.Cmp.Left)
			if n.Cmp.Right != nil {
				s.arith(n.Cmp.Right)
			}
		}
	}
}

func (s *static) arith(a *Arith) {
	s.unary(a.Left)
	for _, o := range a.Rest {
		s.unary(o.Right)
	}
	if c := a.Left.Call; c != nil && len(c.Args) > 0 && len(a.Rest) > 0 && a.Rest[0].Op == "|" {
		if w := a.Rest[0].Right.Call; w != nil && len(w.Args) == 0 && !s.isCommand(w.Name) {
			s.report(a.Rest[0].Pos, "the arguments of %s stop at |, so %s is not one of them: write %s … (%s | %s)",
				c.Name, w.Name, c.Name, lastArgText(c), w.Name)
		}
	}
}

// lastArgText is how the last argument of a call reads, for a hint.
func lastArgText(c *Call) string {
	if a := c.Args[len(c.Args)-1]; a.Word != "" {
		return a.Word
	}
	return "…"
}

func (s *static) unary(u *Unary) {
	for u.X != nil {
		u = u.X
	}
	switch {
	case u.Call != nil:
		s.callExpr(u.Call)
	case u.Value != nil:
		s.value(u.Value)
	}
}

// callExpr checks a call in an expression: a lone word that names no
// command is a constant.
func (s *static) callExpr(c *Call) {
	if !s.isCommand(c.Name) {
		if len(c.Args) > 0 {
			s.unknownCommand(c)
		}
		return
	}
	s.call(c)
}

func (s *static) call(c *Call) {
	if inner := timedCall(c); inner != nil {
		s.call(inner)
		return
	}
	for i, a := range c.Args {
		if i+1 < len(c.Args) && a.Word != "" && s.isCommand(a.Word) && !isConstant(a.Word) &&
			isListArg(c.Args[i+1]) && !(c.Name == "wait" && i == 0) {
			s.report(a.Pos, "argument %d of %s is %s, the name of a command, then a list: to call %s, put it in parentheses: %s (%s […] …)",
				i+1, c.Name, a.Word, a.Word, c.Name, a.Word)
		}
		switch {
		case a.Record != nil:
			s.value(a.Record)
		case a.Value != nil:
			s.value(a.Value)
		}
	}
	if p, ok := s.procs[c.Name]; ok {
		if len(c.Args) != len(p.Params) {
			s.report(c.Pos, "%s: want %d arguments, got %d", c.Name, len(p.Params), len(c.Args))
		}
		return
	}
	if b, ok := builtinFuncs[c.Name]; ok && !(c.Name == "exit" && len(c.Args) > 0 && isListArg(c.Args[0])) {
		if n, want := len(c.Args), builtinArity[c.Name]; n < want[0] || want[1] != many && n > want[1] {
			s.report(c.Pos, "%s: want %s arguments, got %d (usage: %s)", c.Name, arityText(want), n, b.usage)
		}
		return
	}
	if tc, ok := builtins.Lookup(c.Name); ok {
		s.tableCall(c, tc)
	}
}

// timedCall is the call that timeout MS CALL [pipeline] ARG… bounds, or
// nil: that call is checked as if written alone.
func timedCall(c *Call) *Call {
	if c.Name != "timeout" || len(c.Args) < 2 || c.Args[1].Word == "" {
		return nil
	}
	if _, ok := builtins.Lookup(c.Args[1].Word); !ok {
		return nil
	}
	return &Call{Pos: c.Args[1].Pos, EndPos: c.EndPos, Name: c.Args[1].Word, Args: c.Args[2:]}
}

func arityText(want [2]int) string {
	switch {
	case want[1] == many:
		return fmt.Sprintf("at least %d", want[0])
	case want[0] == want[1]:
		return fmt.Sprint(want[0])
	}
	return fmt.Sprintf("%d to %d", want[0], want[1])
}

// tableCall checks a call of the table against its row: a pipeline, the
// number of arguments, and the arguments written as literals.
func (s *static) tableCall(c *Call, tc *builtins.Call) {
	if len(c.Args) == 0 {
		s.report(c.Pos, "%s: missing pipeline: %s", c.Name, tc.Signature())
		return
	}
	if v, ok := literalArg(c.Args[0]); ok {
		if _, err := toPipeline(v); err != nil {
			s.report(c.Args[0].Pos, "%s: pipeline: %v", c.Name, err)
		}
	}
	args := c.Args[1:]
	min, max := len(tc.Args)-tc.Optional, len(tc.Args)
	if len(args) < min || len(args) > max {
		want := fmt.Sprint(min)
		if max != min {
			want = fmt.Sprintf("%d to %d", min, max)
		}
		s.report(c.Pos, "%s: want %s arguments after the pipeline, got %d: %s", c.Name, want, len(args), tc.Signature())
		return
	}
	for i, a := range args {
		v, ok := literalArg(a)
		if !ok {
			continue
		}
		one := &builtins.Call{Name: tc.Name, Args: []builtins.Arg{tc.Args[i]}}
		if _, err := builtins.Convert(one, namesAsConstants(one, []any{nil, v})[1:]); err != nil {
			if ae, ok := errors.AsType[*builtins.ArgError](err); ok {
				ae.N = i + 1
			}
			s.report(a.Pos, "%v", err)
		}
	}
}

// literalArg is an argument's value when the source spells it out.
func literalArg(a *Arg) (any, bool) {
	switch {
	case a.Record != nil:
		return literal(a.Record)
	case a.Value != nil:
		return literal(a.Value)
	}
	return builtins.Const(a.Word), true
}

// literal is a value that needs no evaluation: numbers, strings without
// variables, words, and lists and records of them.
func literal(v Value) (any, bool) {
	switch v := v.(type) {
	case *IntLit:
		return int64(v.N), true
	case *StrLit:
		if len(v.S.Parts) == 1 && v.S.Parts[0].Var == nil {
			return v.S.Parts[0].Lit, true
		}
	case *RawLit:
		return string(v.S), true
	case *BoolLit:
		return v.V == "true", true
	case *OkLit:
		return nil, true
	case *ListLit:
		out := make([]any, 0, len(v.Elems))
		for _, e := range v.Elems {
			x, ok := literalElem(e)
			if !ok {
				return nil, false
			}
			out = append(out, x)
		}
		return out, true
	case *RecordLit:
		out := builtins.Record{}
		for _, f := range v.Fields {
			x, ok := literalElem(f.Value)
			if !ok {
				return nil, false
			}
			out[f.Name] = x
		}
		return out, true
	}
	return nil, false
}

func literalElem(e *Elem) (any, bool) {
	if len(e.Rest) > 0 || e.Left.X != nil {
		return nil, false
	}
	if e.Left.Value == nil {
		return builtins.Const(e.Left.Word), true
	}
	return literal(e.Left.Value)
}

func (s *static) value(v Value) {
	switch v := v.(type) {
	case *StrLit:
		for _, p := range v.S.Parts {
			if p.Var != nil {
				s.varRef(v.Pos, *p.Var)
			}
		}
	case *VarLit:
		s.varRef(v.Pos, v.Ref)
		s.selectors(v.Sels)
	case *ListLit:
		s.elems(v.Elems, "list")
	case *RecordLit:
		for _, f := range v.Fields {
			s.elem(f.Value)
		}
	case *Paren:
		s.expr(v.X)
		s.selectors(v.Sels)
	case *TimeLit:
		s.stmts(v.Body.Stmts)
	}
}

func (s *static) selectors(sels []*Selector) {
	for _, sel := range sels {
		switch {
		case sel.Index != nil:
			s.expr(sel.Index)
		case sel.Slice != nil:
			if sel.Slice.From != nil {
				s.expr(sel.Slice.From)
			}
			if sel.Slice.To != nil {
				s.expr(sel.Slice.To)
			}
		case strings.HasPrefix(sel.Field, ".$"):
			s.variable(sel.Pos, sel.Field[2:])
		}
	}
}

func (s *static) elems(list []*Elem, in string) {
	for i, e := range list {
		s.elem(e)
		if i+1 < len(list) && s.callName(e) && isListElem(list[i+1]) {
			s.report(e.Pos, "%s holds %s, the name of a command, then a list: to call %s there, put the call in parentheses: (%s […] …)",
				in, e.Left.Word, e.Left.Word, e.Left.Word)
		}
	}
}

// callName says whether an element is a lone word that names a command
// and no constant.
func (s *static) callName(e *Elem) bool {
	w := e.Left.Word
	return len(e.Rest) == 0 && w != "" && s.isCommand(w) && !isConstant(w)
}

func isListElem(e *Elem) bool {
	_, ok := e.Left.Value.(*ListLit)
	return len(e.Rest) == 0 && ok
}

// elem checks the values inside an element of a list or a record.
func (s *static) elem(e *Elem) {
	operands := []*ElemUnary{e.Left}
	for _, o := range e.Rest {
		operands = append(operands, o.Right)
	}
	for _, u := range operands {
		for u.X != nil {
			u = u.X
		}
		if u.Value != nil {
			s.value(u.Value)
		}
	}
}

// isConstant says whether some table of constants has the name.
func isConstant(name string) bool {
	_, _, err := builtins.LookupAny(builtins.Tables(), name)
	return err == nil
}

func (s *static) varRef(pos lexer.Position, ref VarRef) {
	s.variable(pos, ref.Name)
	for _, step := range ref.Path {
		if name, ok := strings.CutPrefix(step, "$"); ok {
			s.variable(pos, name)
		}
	}
}

func (s *static) variable(pos lexer.Position, name string) {
	if s.scope[name] || s.sourced || name == "args" || s.inProc && s.lenient {
		return
	}
	var names []string
	for n := range s.scope {
		names = append(names, "$"+n)
	}
	slices.Sort(names)
	hint := ""
	if len(name) > 2 { // every short name is near another
		hint = suggest("$"+name, names)
	}
	s.report(pos, "undefined variable $%s%s", name, hint)
}

// useModules adds the procedures of each module a top-level use names,
// so that sandbox.apply is known once use sandbox is written; a module
// that cannot be found is reported at its use.
func (s *static) useModules(p *Program) {
	for _, st := range p.Stmts {
		es, ok := st.(*ExprStmt)
		if !ok {
			continue
		}
		c := bareCall(es.Expr)
		if c == nil || c.Name != "use" || len(c.Args) != 1 || c.Args[0].Word == "" {
			continue
		}
		if err := s.useModule(c.Args[0].Word); err != nil {
			s.report(c.Pos, "%v", err)
		}
	}
}

func (s *static) useModule(name string) error {
	if _, loaded := s.in.modules[name]; loaded {
		return nil // its procedures are among the interpreter's
	}
	file, src, err := s.in.findModule(name)
	if err != nil {
		return err
	}
	prog, err := parseModule(file, src)
	if err != nil {
		return err
	}
	for _, st := range prog.Stmts {
		if proc, ok := st.(*Proc); ok {
			s.procs[name+"."+strings.TrimPrefix(proc.Name, name+".")] = proc
		}
	}
	return nil
}

// unknownCommand reports a name that is no command, saying when it names
// a module that no use loaded.
func (s *static) unknownCommand(c *Call) {
	if mod, proc, ok := strings.Cut(c.Name, "."); ok {
		if !s.moduleKnown(mod) {
			s.report(c.Pos, "unknown command %s: no module %s is loaded (use %s first)", c.Name, mod, mod)
		} else {
			s.report(c.Pos, "module %s has no procedure %s%s", mod, proc, suggest(c.Name, s.commandNames()))
		}
		return
	}
	s.report(c.Pos, "unknown command %s%s", c.Name, suggest(c.Name, s.commandNames()))
}

// moduleKnown: some procedure of the module is known to the check.
func (s *static) moduleKnown(mod string) bool {
	for name := range s.procs {
		if strings.HasPrefix(name, mod+".") {
			return true
		}
	}
	return false
}

func (s *static) isCommand(name string) bool {
	if _, ok := s.procs[name]; ok {
		return true
	}
	if _, ok := builtinFuncs[name]; ok {
		return true
	}
	_, ok := builtins.Lookup(name)
	return ok
}

func (s *static) commandNames() []string {
	names := Commands()
	for name := range s.procs {
		names = append(names, name)
	}
	return names
}
