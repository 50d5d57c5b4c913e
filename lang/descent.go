package lang

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// descent parses a valid program by recursive descent, reading the
// grammar of ast.go's struct tags as participle does with
// UseLookahead(MaxLookahead): the first alternative that matches wins, a
// failed one gives back what it read, and a node's Pos is its first token
// and its EndPos the token after its last (elided ones included).
//
// It exists for speed: building participle's parser costs 0.7–1.2 ms and
// 650 kB at the start of every run that parses (`alsh -c`, a script, the
// REPL), more than parsing itself. It only accepts: an input it cannot
// take goes to participle, which finds the error and words it, so
// messages and the REPL's "incomplete" come from one place.
// TestDescentMatchesParticiple and FuzzDescentMatchesParticiple hold the
// trees of the two equal, and hold that descent takes whatever
// participle takes.
type descent struct {
	toks []lexer.Token // all of the source's tokens, ending with EOF
	raw  int           // the next token, elided or not (participle's raw cursor)
}

// parseDescent is the tree of a valid program, or false when src is not
// one (or is too long for participle's lookahead to match ours).
func parseDescent(filename, src string) (*Program, bool) {
	return descend(lexTokens(filename, src))
}

// descend is parseDescent of src's tokens.
func descend(toks []lexer.Token) (*Program, bool) {
	d := &descent{toks: toks}
	if len(d.toks) > participle.MaxLookahead {
		return nil, false
	}
	prog := d.program()
	if prog == nil || !d.peek().EOF() {
		return nil, false
	}
	return prog, true
}

// lexTokens is every token of src, EOF last (the lexer never fails).
func lexTokens(filename, src string) []lexer.Token {
	l, _ := alshLexer().LexString(filename, src)
	var toks []lexer.Token
	for {
		tok, _ := l.Next()
		toks = append(toks, tok)
		if tok.EOF() {
			return toks
		}
	}
}

// elided token kinds are skipped between the others (grammarOptions).
func elided(t lexer.TokenType) bool {
	return t == tokComment || t == tokContinuation || t == tokWhitespace
}

// next is the index of the next token that is not elided.
func (d *descent) next() int {
	i := d.raw
	for !d.toks[i].EOF() && elided(d.toks[i].Type) {
		i++
	}
	return i
}

func (d *descent) peek() *lexer.Token { return &d.toks[d.next()] }

// pos is where a node starting here starts.
func (d *descent) pos() lexer.Position { return d.peek().Pos }

// endPos is where a node ending here ends: the next token, elided or not.
func (d *descent) endPos() lexer.Position { return d.toks[d.raw].Pos }

// lit takes the next token if its text is s: a keyword, an operator or a
// bracket, whatever its kind (as a quoted literal of the grammar).
func (d *descent) lit(s string) bool {
	i := d.next()
	if d.toks[i].EOF() || d.toks[i].Value != s {
		return false
	}
	d.raw = i + 1
	return true
}

// kind takes the next token if it is of kind t, and returns its text.
func (d *descent) kind(t lexer.TokenType) (string, bool) {
	i := d.next()
	if d.toks[i].EOF() || d.toks[i].Type != t {
		return "", false
	}
	d.raw = i + 1
	return d.toks[i].Value, true
}

func (d *descent) is(t lexer.TokenType) bool { return d.peek().Type == t }

// nls takes NL*.
func (d *descent) nls() {
	for d.is(tokNL) {
		d.kind(tokNL)
	}
}

// back rewinds to start and returns nil: a failed node gives back what
// it read.
func back[T any](d *descent, start int) *T {
	d.raw = start
	return nil
}

// Program = ( NL | ";" | Stmt (?= NL | ";" | EOF) )* .
func (d *descent) program() *Program {
	return &Program{Pos: d.pos(), Stmts: d.stmts("")}
}

// Block = "{" ( NL | ";" | Stmt (?= NL | ";" | "}") )* "}" .
func (d *descent) block() *Block {
	start := d.raw
	b := &Block{Pos: d.pos()}
	if !d.lit("{") {
		return nil
	}
	b.Stmts = d.stmts("}")
	if !d.lit("}") {
		return back[Block](d, start)
	}
	return b
}

// stmts takes statements, each followed by a newline, a ";", or closer
// (EOF when closer is "").
func (d *descent) stmts(closer string) []Stmt {
	var stmts []Stmt
	for {
		if _, ok := d.kind(tokNL); ok || d.lit(";") {
			continue
		}
		start := d.raw
		s := d.stmt()
		if s == nil {
			return stmts
		}
		if !d.stmtEnds(closer) {
			d.raw = start
			return stmts
		}
		stmts = append(stmts, s)
	}
}

func (d *descent) stmtEnds(closer string) bool {
	t := d.peek()
	switch {
	case t.EOF():
		return closer == ""
	case t.Type == tokNL, t.Value == ";":
		return true
	}
	return closer != "" && t.Value == closer
}

// stmt tries the members of the Stmt union in grammarOptions' order.
func (d *descent) stmt() Stmt {
	if s := d.assign(); s != nil {
		return s
	}
	if s := d.ifStmt(); s != nil {
		return s
	}
	if s := d.returnStmt(); s != nil {
		return s
	}
	if s := d.proc(); s != nil {
		return s
	}
	if s := d.forStmt(); s != nil {
		return s
	}
	if s := d.try(); s != nil {
		return s
	}
	if s := d.expect(); s != nil {
		return s
	}
	if s := d.exprStmt(); s != nil {
		return s
	}
	if s := d.while(); s != nil {
		return s
	}
	if s := d.keywordStmt("break"); s != nil {
		return &Break{Pos: s.Pos, Kw: s.Kw}
	}
	if s := d.keywordStmt("continue"); s != nil {
		return &Continue{Pos: s.Pos, Kw: s.Kw}
	}
	return nil
}

// Assign = <var> "=" <nl>* Expr .
func (d *descent) assign() *Assign {
	start := d.raw
	a := &Assign{Pos: d.pos()}
	v, ok := d.kind(tokVar)
	if !ok || !d.lit("=") {
		return back[Assign](d, start)
	}
	d.nls()
	if a.Value = d.expr(); a.Value == nil {
		return back[Assign](d, start)
	}
	a.Var = varRef(v)
	return a
}

// If = "if" Expr Block ("else" <nl>* Else)? .
func (d *descent) ifStmt() *If {
	start := d.raw
	s := &If{Pos: d.pos()}
	if !d.lit("if") {
		return nil
	}
	if s.Cond = d.expr(); s.Cond == nil {
		return back[If](d, start)
	}
	if s.Then = d.block(); s.Then == nil {
		return back[If](d, start)
	}
	s.Else = d.elseClause()
	return s
}

// ("else" <nl>* Else)? where Else = If | Block .
func (d *descent) elseClause() *Else {
	start := d.raw
	if !d.lit("else") {
		return nil
	}
	d.nls()
	e := &Else{Pos: d.pos()}
	if e.If = d.ifStmt(); e.If != nil {
		return e
	}
	if e.Block = d.block(); e.Block != nil {
		return e
	}
	return back[Else](d, start)
}

// Return = "return" Expr? .
func (d *descent) returnStmt() *Return {
	s := &Return{Pos: d.pos()}
	if !d.lit("return") {
		return nil
	}
	s.Value = d.expr()
	return s
}

// Proc = "proc" <ident> <var>* Block .
func (d *descent) proc() *Proc {
	start := d.raw
	p := &Proc{Pos: d.pos()}
	if !d.lit("proc") {
		return nil
	}
	name, ok := d.kind(tokIdent)
	if !ok {
		return back[Proc](d, start)
	}
	p.Name = name
	for {
		v, ok := d.kind(tokVar)
		if !ok {
			break
		}
		p.Params = append(p.Params, varRef(v))
	}
	if p.Body = d.block(); p.Body == nil {
		return back[Proc](d, start)
	}
	return p
}

// For = "for" (<var> (?= <var>))? <var> "in" Expr Block .
func (d *descent) forStmt() *For {
	start := d.raw
	f := &For{Pos: d.pos()}
	if !d.lit("for") {
		return nil
	}
	afterFor := d.raw
	if v, ok := d.kind(tokVar); ok {
		if d.is(tokVar) {
			key := varRef(v)
			f.Key = &key
		} else {
			d.raw = afterFor
		}
	}
	v, ok := d.kind(tokVar)
	if !ok || !d.lit("in") {
		return back[For](d, start)
	}
	f.Var = varRef(v)
	if f.List = d.expr(); f.List == nil {
		return back[For](d, start)
	}
	if f.Body = d.block(); f.Body == nil {
		return back[For](d, start)
	}
	return f
}

// Try = "try" Block ("catch" <var>? Block)? .
func (d *descent) try() *Try {
	start := d.raw
	t := &Try{Pos: d.pos()}
	if !d.lit("try") {
		return nil
	}
	if t.Body = d.block(); t.Body == nil {
		return back[Try](d, start)
	}
	afterBody := d.raw
	if !d.lit("catch") {
		return t
	}
	var catchVar *VarRef
	if v, ok := d.kind(tokVar); ok {
		r := varRef(v)
		catchVar = &r
	}
	if t.Catch = d.block(); t.Catch == nil {
		d.raw = afterBody
		return t
	}
	t.Var = catchVar
	return t
}

// Expect = "expect" ((<ident> Call) | Expr) .
func (d *descent) expect() *Expect {
	start := d.raw
	e := &Expect{Pos: d.pos()}
	if !d.lit("expect") {
		return nil
	}
	branch := d.raw
	if name, ok := d.kind(tokIdent); ok {
		if e.Call = d.call(); e.Call != nil {
			e.Err = name
			e.EndPos = d.endPos()
			return e
		}
		d.raw = branch
	}
	if e.Cond = d.expr(); e.Cond == nil {
		return back[Expect](d, start)
	}
	e.EndPos = d.endPos()
	return e
}

// ExprStmt = Expr .
func (d *descent) exprStmt() *ExprStmt {
	s := &ExprStmt{Pos: d.pos()}
	if s.Expr = d.expr(); s.Expr == nil {
		return nil
	}
	return s
}

// While = "while" Expr Block .
func (d *descent) while() *While {
	start := d.raw
	w := &While{Pos: d.pos()}
	if !d.lit("while") {
		return nil
	}
	if w.Cond = d.expr(); w.Cond == nil {
		return back[While](d, start)
	}
	if w.Body = d.block(); w.Body == nil {
		return back[While](d, start)
	}
	return w
}

// keywordStmt is Break or Continue: the keyword alone, captured.
func (d *descent) keywordStmt(kw string) *Break {
	b := &Break{Pos: d.pos(), Kw: kw}
	if !d.lit(kw) {
		return nil
	}
	return b
}

// Expr = AndExpr ("or" <nl>* AndExpr)* .
func (d *descent) expr() *Expr {
	e := &Expr{Pos: d.pos()}
	if e.Terms = joinedBy(d, "or", d.andExpr); e.Terms == nil {
		return nil
	}
	e.EndPos = d.endPos()
	return e
}

// AndExpr = NotExpr ("and" <nl>* NotExpr)* .
func (d *descent) andExpr() *AndExpr {
	a := &AndExpr{Pos: d.pos()}
	if a.Terms = joinedBy(d, "and", d.notExpr); a.Terms == nil {
		return nil
	}
	return a
}

// joinedBy takes T (kw <nl>* T)*; nil if no T comes.
func joinedBy[T any](d *descent, kw string, term func() *T) []*T {
	first := term()
	if first == nil {
		return nil
	}
	terms := []*T{first}
	for {
		start := d.raw
		if !d.lit(kw) {
			return terms
		}
		d.nls()
		next := term()
		if next == nil {
			d.raw = start
			return terms
		}
		terms = append(terms, next)
	}
}

// NotExpr = CmpExpr | ("not" NotExpr) .
func (d *descent) notExpr() *NotExpr {
	start := d.raw
	n := &NotExpr{Pos: d.pos()}
	if n.Cmp = d.cmpExpr(); n.Cmp != nil {
		return n
	}
	if !d.lit("not") {
		return nil
	}
	if n.Not = d.notExpr(); n.Not == nil {
		return back[NotExpr](d, start)
	}
	return n
}

// CmpExpr = Arith (<cmpop> <nl>* Arith)? .
func (d *descent) cmpExpr() *CmpExpr {
	c := &CmpExpr{Pos: d.pos()}
	if c.Left = d.arith(); c.Left == nil {
		return nil
	}
	start := d.raw
	op, ok := d.kind(tokCmpOp)
	if !ok {
		return c
	}
	d.nls()
	if c.Right = d.arith(); c.Right == nil {
		d.raw = start
		return c
	}
	c.Op = op
	return c
}

// Arith = Unary BinOp* ; BinOp = <arithop> <nl>* Unary .
func (d *descent) arith() *Arith {
	a := &Arith{Pos: d.pos()}
	if a.Left = d.unary(); a.Left == nil {
		return nil
	}
	operators(d, d.unary, func(pos lexer.Position, op string, right *Unary) {
		a.Rest = append(a.Rest, &BinOp{Pos: pos, Op: op, Right: right})
	})
	return a
}

// operators takes (<arithop> <nl>* X)*, handing each operator, with its
// position, and its right operand to add.
func operators[X any](d *descent, operand func() *X, add func(pos lexer.Position, op string, right *X)) {
	for {
		start := d.raw
		pos := d.pos()
		op, ok := d.kind(tokArithOp)
		if !ok {
			return
		}
		d.nls()
		right := operand()
		if right == nil {
			d.raw = start
			return
		}
		add(pos, op, right)
	}
}

// Unary = Call | Value | (("-" | "~") Unary) .
func (d *descent) unary() *Unary {
	start := d.raw
	u := &Unary{Pos: d.pos()}
	if u.Call = d.call(); u.Call != nil {
		return u
	}
	if u.Value = d.value(true); u.Value != nil {
		return u
	}
	op := d.peek().Value
	if !d.lit("-") && !d.lit("~") {
		return nil
	}
	if u.X = d.unary(); u.X == nil {
		return back[Unary](d, start)
	}
	u.Op = op
	return u
}

// Call = <ident> ((?! <nl>) Arg)* .
func (d *descent) call() *Call {
	c := &Call{Pos: d.pos()}
	name, ok := d.kind(tokIdent)
	if !ok {
		return nil
	}
	c.Name = name
	for !d.is(tokNL) {
		a := d.arg()
		if a == nil {
			break
		}
		c.Args = append(c.Args, a)
	}
	c.EndPos = d.endPos()
	return c
}

// Arg = ((?= "{" <nl>* (<ident> | <keyword>) ":") RecordLit) | <ident> | ArgValue .
func (d *descent) arg() *Arg {
	a := &Arg{Pos: d.pos()}
	if d.recordAhead() {
		if a.Record = d.recordLit(); a.Record != nil {
			return a
		}
	}
	if word, ok := d.kind(tokIdent); ok {
		a.Word = word
		return a
	}
	v := d.value(false)
	if v == nil {
		return nil
	}
	a.Value = v.(ArgValue)
	return a
}

// recordAhead: "{" <nl>* (<ident> | <keyword>) ":" comes next.
func (d *descent) recordAhead() bool {
	start := d.raw
	defer func() { d.raw = start }()
	if !d.lit("{") {
		return false
	}
	d.nls()
	if _, ok := d.kind(tokIdent); !ok {
		if _, ok := d.kind(tokKeyword); !ok {
			return false
		}
	}
	return d.lit(":")
}

// RecordLit = "{" (<nl> | "," | Field)* "}" .
func (d *descent) recordLit() *RecordLit {
	start := d.raw
	r := &RecordLit{Pos: d.pos()}
	if !d.lit("{") {
		return nil
	}
	r.Fields = items(d, d.field)
	if !d.lit("}") {
		return back[RecordLit](d, start)
	}
	return r
}

// items takes (<nl> | "," | X)*: a list's elements, a record's fields.
func items[X any](d *descent, item func() *X) []*X {
	var xs []*X
	for {
		if _, ok := d.kind(tokNL); ok || d.lit(",") {
			continue
		}
		x := item()
		if x == nil {
			return xs
		}
		xs = append(xs, x)
	}
}

// Field = (<ident> | <keyword>) ":" <nl>* Elem .
func (d *descent) field() *Field {
	start := d.raw
	f := &Field{Pos: d.pos()}
	name, ok := d.kind(tokIdent)
	if !ok {
		if name, ok = d.kind(tokKeyword); !ok {
			return nil
		}
	}
	if !d.lit(":") {
		return back[Field](d, start)
	}
	d.nls()
	if f.Value = d.elem(); f.Value == nil {
		return back[Field](d, start)
	}
	f.Name = name
	return f
}

// Elem = ElemUnary ElemOp* ; ElemOp = <arithop> <nl>* ElemUnary .
func (d *descent) elem() *Elem {
	e := &Elem{Pos: d.pos()}
	if e.Left = d.elemUnary(); e.Left == nil {
		return nil
	}
	operators(d, d.elemUnary, func(pos lexer.Position, op string, right *ElemUnary) {
		e.Rest = append(e.Rest, &ElemOp{Pos: pos, Op: op, Right: right})
	})
	return e
}

// ElemUnary = <ident> | Value | (("-" | "~") ElemUnary) .
func (d *descent) elemUnary() *ElemUnary {
	start := d.raw
	u := &ElemUnary{Pos: d.pos()}
	if word, ok := d.kind(tokIdent); ok {
		u.Word = word
		return u
	}
	if u.Value = d.value(true); u.Value != nil {
		return u
	}
	op := d.peek().Value
	if !d.lit("-") && !d.lit("~") {
		return nil
	}
	if u.X = d.elemUnary(); u.X == nil {
		return back[ElemUnary](d, start)
	}
	u.Op = op
	return u
}

// value tries the members of the Value union (ArgValue's, without
// RecordLit, when records is false) in grammarOptions' order.
func (d *descent) value(records bool) Value {
	if v := d.varLit(); v != nil {
		return v
	}
	if v := d.strLit(); v != nil {
		return v
	}
	if v := d.listLit(); v != nil {
		return v
	}
	if v := d.intLit(); v != nil {
		return v
	}
	if v := d.paren(); v != nil {
		return v
	}
	if records {
		if v := d.recordLit(); v != nil {
			return v
		}
	}
	if v := d.boolLit(); v != nil {
		return v
	}
	if v := (&OkLit{Pos: d.pos(), Kw: "ok"}); d.lit("ok") {
		return v
	}
	if v := d.rawLit(); v != nil {
		return v
	}
	if v := d.timeLit(); v != nil {
		return v
	}
	return nil
}

// VarLit = <var> Selector* .
func (d *descent) varLit() *VarLit {
	v := &VarLit{Pos: d.pos()}
	ref, ok := d.kind(tokVar)
	if !ok {
		return nil
	}
	v.Ref = varRef(ref)
	v.Sels = d.selectors()
	return v
}

// selectors takes Selector* .
func (d *descent) selectors() []*Selector {
	var sels []*Selector
	for {
		s := d.selector()
		if s == nil {
			return sels
		}
		sels = append(sels, s)
	}
}

// Selector = <sel> | (".(" <nl>* Expr <nl>* ")") | (".[" Slice "]") .
func (d *descent) selector() *Selector {
	start := d.raw
	s := &Selector{Pos: d.pos()}
	if field, ok := d.kind(tokSel); ok {
		s.Field = field
		return s
	}
	if d.lit(".(") {
		d.nls()
		if s.Index = d.expr(); s.Index != nil {
			d.nls()
			if d.lit(")") {
				return s
			}
		}
		return back[Selector](d, start)
	}
	if d.lit(".[") {
		if s.Slice = d.slice(); s.Slice != nil && d.lit("]") {
			return s
		}
		return back[Selector](d, start)
	}
	return nil
}

// Slice = Expr? ":" Expr? .
func (d *descent) slice() *Slice {
	start := d.raw
	s := &Slice{Pos: d.pos()}
	s.From = d.expr()
	if !d.lit(":") {
		return back[Slice](d, start)
	}
	s.To = d.expr()
	return s
}

// StrLit = <string> .
func (d *descent) strLit() *StrLit {
	start := d.raw
	s := &StrLit{Pos: d.pos()}
	text, ok := d.kind(tokString)
	if !ok {
		return nil
	}
	if err := s.S.Capture([]string{text}); err != nil {
		return back[StrLit](d, start)
	}
	return s
}

// ListLit = "[" (<nl> | "," | Elem)* "]" .
func (d *descent) listLit() *ListLit {
	start := d.raw
	l := &ListLit{Pos: d.pos()}
	if !d.lit("[") {
		return nil
	}
	l.Elems = items(d, d.elem)
	if !d.lit("]") {
		return back[ListLit](d, start)
	}
	return l
}

// IntLit = <int> .
func (d *descent) intLit() *IntLit {
	start := d.raw
	n := &IntLit{Pos: d.pos()}
	text, ok := d.kind(tokInt)
	if !ok {
		return nil
	}
	if err := n.N.Capture([]string{text}); err != nil {
		return back[IntLit](d, start)
	}
	return n
}

// Paren = "(" <nl>* Expr <nl>* ")" Selector* .
func (d *descent) paren() *Paren {
	start := d.raw
	p := &Paren{Pos: d.pos()}
	if !d.lit("(") {
		return nil
	}
	d.nls()
	if p.X = d.expr(); p.X == nil {
		return back[Paren](d, start)
	}
	d.nls()
	if !d.lit(")") {
		return back[Paren](d, start)
	}
	p.Sels = d.selectors()
	return p
}

// BoolLit = ("true" | "false") .
func (d *descent) boolLit() *BoolLit {
	b := &BoolLit{Pos: d.pos(), V: d.peek().Value}
	if !d.lit("true") && !d.lit("false") {
		return nil
	}
	return b
}

// RawLit = <rawstring> .
func (d *descent) rawLit() *RawLit {
	r := &RawLit{Pos: d.pos()}
	text, ok := d.kind(tokRawString)
	if !ok {
		return nil
	}
	r.S.Capture([]string{text})
	return r
}

// TimeLit = "time" Block .
func (d *descent) timeLit() *TimeLit {
	start := d.raw
	t := &TimeLit{Pos: d.pos()}
	if !d.lit("time") {
		return nil
	}
	if t.Body = d.block(); t.Body == nil {
		return back[TimeLit](d, start)
	}
	return t
}

// varRef is a <var> token's reference, as participle captures it.
func varRef(text string) VarRef {
	var r VarRef
	r.Capture([]string{text})
	return r
}
