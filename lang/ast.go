package lang

import "github.com/alecthomas/participle/v2/lexer"

// The syntax tree. The grammar lives in the struct tags; docs/grammar.ebnf
// is generated from them. Every node records where it starts (Pos) and,
// where messages quote the source, where it ends (EndPos).
//
// Participle tries alternatives in order, and each one tried costs
// allocations even when its first token does not match, so the common
// alternatives come first. Only alternatives that no token can begin
// alike are reordered: a parse, and each error, stays what it was
// (TestGrammarMatchesReference holds the grammar to the one before).

// Program is a parsed script or REPL entry.
type Program struct {
	Pos   lexer.Position
	Stmts []Stmt `parser:"( NL | ';' | @@ (?= NL | ';' | EOF ) )*"`

	src string // the source text, for messages that quote it
}

// Block is a braced list of statements.
type Block struct {
	Pos   lexer.Position
	Stmts []Stmt `parser:"'{' ( NL | ';' | @@ (?= NL | ';' | '}' ) )* '}'"`
}

// Stmt is a statement.
type Stmt interface{ stmt() }

// Assign binds a variable: $c = fork [].
type Assign struct {
	Pos   lexer.Position
	Var   VarRef `parser:"@Var '='"`
	Value *Expr  `parser:"NL* @@"`
}

// If runs Then when Cond holds, else Else.
type If struct {
	Pos  lexer.Position
	Cond *Expr  `parser:"'if' @@"`
	Then *Block `parser:"@@"`
	Else *Else  `parser:"( 'else' NL* @@ )?"`
}

// Else is an else block or an else-if.
type Else struct {
	Pos   lexer.Position
	If    *If    `parser:"  @@"`
	Block *Block `parser:"| @@"`
}

// For runs Body once per element of a list (for $x in [1 2 3] { }), with
// two variables once per index and element of a list or name and value of
// a record's field (for $k $v in $r { }).
type For struct {
	Pos  lexer.Position
	Key  *VarRef `parser:"'for' ( @Var (?= Var )"`
	Var  VarRef  `parser:"  )? @Var 'in'"`
	List *Expr   `parser:"@@"`
	Body *Block  `parser:"@@"`
}

// While runs Body as long as Cond holds.
type While struct {
	Pos  lexer.Position
	Cond *Expr  `parser:"'while' @@"`
	Body *Block `parser:"@@"`
}

// Proc defines a procedure: proc name $a $b { … }.
type Proc struct {
	Pos    lexer.Position
	Name   string   `parser:"'proc' @Ident"`
	Params []VarRef `parser:"@Var*"`
	Body   *Block   `parser:"@@"`
}

// Return ends a procedure, with a value or ok.
type Return struct {
	Pos   lexer.Position
	Value *Expr `parser:"'return' @@?"`
}

// Break leaves the innermost loop.
type Break struct {
	Pos lexer.Position
	Kw  string `parser:"@'break'"`
}

// Continue starts the next iteration of the innermost loop.
type Continue struct {
	Pos lexer.Position
	Kw  string `parser:"@'continue'"`
}

// Try runs Body; if it fails, the error is bound to Var and Catch runs.
type Try struct {
	Pos   lexer.Position
	Body  *Block  `parser:"'try' @@"`
	Var   *VarRef `parser:"( 'catch' @Var?"`
	Catch *Block  `parser:"  @@ )?"`
}

// Expect asserts: either that a call fails with an error (expect eperm
// setuid [$c] 0) or that a condition holds (expect (getpid [$c]) == 1).
type Expect struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Err    string `parser:"'expect' ( @Ident"`
	Call   *Call  `parser:"          @@"`
	Cond   *Expr  `parser:"        | @@ )"`
}

// ExprStmt is an expression used as a statement, usually a call.
type ExprStmt struct {
	Pos  lexer.Position
	Expr *Expr `parser:"@@"`
}

func (*Assign) stmt()   {}
func (*If) stmt()       {}
func (*For) stmt()      {}
func (*While) stmt()    {}
func (*Proc) stmt()     {}
func (*Return) stmt()   {}
func (*Break) stmt()    {}
func (*Continue) stmt() {}
func (*Try) stmt()      {}
func (*Expect) stmt()   {}
func (*ExprStmt) stmt() {}

// Expr is an expression: or-terms, lowest precedence first.
type Expr struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Terms  []*AndExpr `parser:"@@ ( 'or' NL* @@ )*"`
}

// AndExpr is and-terms.
type AndExpr struct {
	Pos   lexer.Position
	Terms []*NotExpr `parser:"@@ ( 'and' NL* @@ )*"`
}

// NotExpr is a negation or a comparison.
type NotExpr struct {
	Pos lexer.Position
	Cmp *CmpExpr `parser:"  @@"`
	Not *NotExpr `parser:"| 'not' @@"`
}

// CmpExpr compares two arithmetic expressions, or is just one.
type CmpExpr struct {
	Pos   lexer.Position
	Left  *Arith `parser:"@@"`
	Op    string `parser:"( @CmpOp"`
	Right *Arith `parser:"  NL* @@ )?"`
}

// Arith is operands joined by the arithmetic and bit operators. The
// grammar keeps them flat; the evaluator applies them by precedence
// (see precedence in arith.go).
type Arith struct {
	Pos  lexer.Position
	Left *Unary   `parser:"@@"`
	Rest []*BinOp `parser:"@@*"`

	tree *opNode // built on first use
}

// BinOp is one operator and its right operand.
type BinOp struct {
	Pos   lexer.Position
	Op    string `parser:"@ArithOp"`
	Right *Unary `parser:"NL* @@"`
}

// Unary is a negation or bitwise complement, a call, or a value.
type Unary struct {
	Pos   lexer.Position
	Call  *Call  `parser:"  @@"`
	Value Value  `parser:"| @@"`
	Op    string `parser:"| ( @( '-' | '~' )"`
	X     *Unary `parser:"    @@ )"`
}

// Call is a command with its arguments: setuid [$c] 0. For calls of the
// table the first argument is the pipeline. A word alone that names no
// command is a constant. The arguments usually end at a newline, where
// trying an Arg would try every ArgValue; (?! NL) fails there at once,
// with the error Arg's record lookahead would give.
type Call struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Name   string `parser:"@Ident"`
	Args   []*Arg `parser:"( (?! NL ) @@ )*"`
}

// Arg is one argument of a call: a word (a constant), a value, or a record.
// A brace opens a record only when a field follows, so that the block of
// if and while is never taken for an argument.
type Arg struct {
	Pos    lexer.Position
	Record *RecordLit `parser:"  (?= '{' NL* ( Ident | Keyword ) ':' ) @@"`
	Word   string     `parser:"| @Ident"`
	Value  ArgValue   `parser:"| @@"`
}

// Elem is an element of a list or the value of a record field: operands
// joined by the operators of Arith, where a word is a constant, never a
// call: [clone_newpid | clone_newns], {cur: $n * 2}.
type Elem struct {
	Pos  lexer.Position
	Left *ElemUnary `parser:"@@"`
	Rest []*ElemOp  `parser:"@@*"`

	tree *opNode // built on first use
}

// ElemOp is one operator and its right operand inside an Elem.
type ElemOp struct {
	Pos   lexer.Position
	Op    string     `parser:"@ArithOp"`
	Right *ElemUnary `parser:"NL* @@"`
}

// ElemUnary is an operand of an Elem: a negation or complement, a word (a
// constant), or a value.
type ElemUnary struct {
	Pos   lexer.Position
	Word  string     `parser:"  @Ident"`
	Value Value      `parser:"| @@"`
	Op    string     `parser:"| ( @( '-' | '~' )"`
	X     *ElemUnary `parser:"    @@ )"`
}

// Value is a literal, a variable, or a parenthesised expression.
type Value interface{ value() }

// ArgValue is a Value other than a record, as a call's argument: there a
// brace opens a record only when a field follows (see Arg).
type ArgValue interface {
	Value
	argValue()
}

// IntLit is an integer: 42, -1, 0x1f, 0o755, 0b101, 1_000.
type IntLit struct {
	Pos lexer.Position
	N   Int `parser:"@Int"`
}

// StrLit is a double-quoted string with escapes and $var interpolation.
type StrLit struct {
	Pos lexer.Position
	S   Str `parser:"@String"`
}

// RawLit is a single-quoted string: no escapes, no interpolation.
type RawLit struct {
	Pos lexer.Position
	S   Raw `parser:"@RawString"`
}

// BoolLit is true or false.
type BoolLit struct {
	Pos lexer.Position
	V   string `parser:"@( 'true' | 'false' )"`
}

// OkLit is ok, the value of a call that returns nothing.
type OkLit struct {
	Pos lexer.Position
	Kw  string `parser:"@'ok'"`
}

// VarLit is a variable reference, $c or $r.cur or $args.0 or $l.$i,
// with optional selectors: $s.[1:3].
type VarLit struct {
	Pos  lexer.Position
	Ref  VarRef      `parser:"@Var"`
	Sels []*Selector `parser:"@@*"`
}

// Selector takes part of a value: .field, .0 or .$var (a field or an
// element), .(EXPR) (the same, computed), or .[FROM:TO] (a slice of a
// string or a list).
type Selector struct {
	Pos   lexer.Position
	Field string `parser:"  @Sel"`
	Index *Expr  `parser:"| '.(' NL* @@ NL* ')'"`
	Slice *Slice `parser:"| '.[' @@ ']'"`
}

// Slice is FROM:TO; either may be left out.
type Slice struct {
	Pos  lexer.Position
	From *Expr `parser:"@@?"`
	To   *Expr `parser:"':' @@?"`
}

// ListLit is [a b c]; commas are optional.
type ListLit struct {
	Pos   lexer.Position
	Elems []*Elem `parser:"'[' ( NL | ',' | @@ )* ']'"`
}

// RecordLit is {cur: 0, max: 0}; commas are optional.
type RecordLit struct {
	Pos    lexer.Position
	Fields []*Field `parser:"'{' ( NL | ',' | @@ )* '}'"`
}

// Field is one name: value of a record.
type Field struct {
	Pos   lexer.Position
	Name  string `parser:"@( Ident | Keyword ) ':'"`
	Value *Elem  `parser:"NL* @@"`
}

// Paren is a parenthesised expression, often a nested call: (getpid [$c]).
type Paren struct {
	Pos  lexer.Position
	X    *Expr       `parser:"'(' NL* @@ NL* ')'"`
	Sels []*Selector `parser:"@@*"`
}

// TimeLit runs a block and gives how long it took, in nanoseconds:
// time { … }.
type TimeLit struct {
	Pos  lexer.Position
	Body *Block `parser:"'time' @@"`
}

func (*IntLit) value()    {}
func (*StrLit) value()    {}
func (*RawLit) value()    {}
func (*BoolLit) value()   {}
func (*OkLit) value()     {}
func (*VarLit) value()    {}
func (*ListLit) value()   {}
func (*RecordLit) value() {}
func (*Paren) value()     {}
func (*TimeLit) value()   {}

func (*IntLit) argValue()  {}
func (*StrLit) argValue()  {}
func (*RawLit) argValue()  {}
func (*BoolLit) argValue() {}
func (*OkLit) argValue()   {}
func (*VarLit) argValue()  {}
func (*ListLit) argValue() {}
func (*Paren) argValue()   {}
func (*TimeLit) argValue() {}
