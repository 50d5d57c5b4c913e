package lang

import (
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar as it was before it was reordered and guarded for speed
// (ast.go and grammarOptions at commit ff28c68), kept as the reference
// that TestGrammarMatchesReference and FuzzGrammarMatchesReference hold
// the grammar to: every input must give the same tree or the same error.
// Its node types are ast.go's with "ref" before their names and without
// unexported fields; the leaves (Int, Str, Raw, VarRef) are shared.

var refParser = sync.OnceValue(func() *participle.Parser[refProgram] {
	return participle.MustBuild[refProgram](refGrammarOptions()...)
})

func refGrammarOptions() []participle.Option {
	return []participle.Option{
		participle.Lexer(alshLexer()),
		participle.Elide("Comment", "Continuation", "Whitespace"),
		participle.Union[refStmt](&refAssign{}, &refIf{}, &refFor{}, &refWhile{}, &refProc{}, &refReturn{},
			&refBreak{}, &refContinue{}, &refTry{}, &refExpect{}, &refExprStmt{}),
		participle.Union[refValue](&refIntLit{}, &refStrLit{}, &refRawLit{}, &refBoolLit{}, &refOkLit{},
			&refVarLit{}, &refListLit{}, &refRecordLit{}, &refParen{}, &refTimeLit{}),
		participle.Union[refArgValue](&refIntLit{}, &refStrLit{}, &refRawLit{}, &refBoolLit{}, &refOkLit{},
			&refVarLit{}, &refListLit{}, &refParen{}, &refTimeLit{}),
		participle.UseLookahead(participle.MaxLookahead),
	}
}

type refProgram struct {
	Pos   lexer.Position
	Stmts []refStmt `parser:"( NL | ';' | @@ (?= NL | ';' | EOF ) )*"`
}

type refBlock struct {
	Pos   lexer.Position
	Stmts []refStmt `parser:"'{' ( NL | ';' | @@ (?= NL | ';' | '}' ) )* '}'"`
}

type refStmt interface{ stmt() }

type refAssign struct {
	Pos   lexer.Position
	Var   VarRef   `parser:"@Var '='"`
	Value *refExpr `parser:"NL* @@"`
}

type refIf struct {
	Pos  lexer.Position
	Cond *refExpr  `parser:"'if' @@"`
	Then *refBlock `parser:"@@"`
	Else *refElse  `parser:"( 'else' NL* @@ )?"`
}

type refElse struct {
	Pos   lexer.Position
	If    *refIf    `parser:"  @@"`
	Block *refBlock `parser:"| @@"`
}

type refFor struct {
	Pos  lexer.Position
	Key  *VarRef   `parser:"'for' ( @Var (?= Var )"`
	Var  VarRef    `parser:"  )? @Var 'in'"`
	List *refExpr  `parser:"@@"`
	Body *refBlock `parser:"@@"`
}

type refWhile struct {
	Pos  lexer.Position
	Cond *refExpr  `parser:"'while' @@"`
	Body *refBlock `parser:"@@"`
}

type refProc struct {
	Pos    lexer.Position
	Name   string    `parser:"'proc' @Ident"`
	Params []VarRef  `parser:"@Var*"`
	Body   *refBlock `parser:"@@"`
}

type refReturn struct {
	Pos   lexer.Position
	Value *refExpr `parser:"'return' @@?"`
}

type refBreak struct {
	Pos lexer.Position
	Kw  string `parser:"@'break'"`
}

type refContinue struct {
	Pos lexer.Position
	Kw  string `parser:"@'continue'"`
}

type refTry struct {
	Pos   lexer.Position
	Body  *refBlock `parser:"'try' @@"`
	Var   *VarRef   `parser:"( 'catch' @Var?"`
	Catch *refBlock `parser:"  @@ )?"`
}

type refExpect struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Err    string   `parser:"'expect' ( @Ident"`
	Call   *refCall `parser:"          @@"`
	Cond   *refExpr `parser:"        | @@ )"`
}

type refExprStmt struct {
	Pos  lexer.Position
	Expr *refExpr `parser:"@@"`
}

func (*refAssign) stmt()   {}
func (*refIf) stmt()       {}
func (*refFor) stmt()      {}
func (*refWhile) stmt()    {}
func (*refProc) stmt()     {}
func (*refReturn) stmt()   {}
func (*refBreak) stmt()    {}
func (*refContinue) stmt() {}
func (*refTry) stmt()      {}
func (*refExpect) stmt()   {}
func (*refExprStmt) stmt() {}

type refExpr struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Terms  []*refAndExpr `parser:"@@ ( 'or' NL* @@ )*"`
}

type refAndExpr struct {
	Pos   lexer.Position
	Terms []*refNotExpr `parser:"@@ ( 'and' NL* @@ )*"`
}

type refNotExpr struct {
	Pos lexer.Position
	Not *refNotExpr `parser:"  'not' @@"`
	Cmp *refCmpExpr `parser:"| @@"`
}

type refCmpExpr struct {
	Pos   lexer.Position
	Left  *refArith `parser:"@@"`
	Op    string    `parser:"( @( '==' | '!=' | '<=' | '>=' | '<' | '>' )"`
	Right *refArith `parser:"  NL* @@ )?"`
}

type refArith struct {
	Pos  lexer.Position
	Left *refUnary   `parser:"@@"`
	Rest []*refBinOp `parser:"@@*"`
}

type refBinOp struct {
	Pos   lexer.Position
	Op    string    `parser:"@( '|' | '^' | '&' | '<<' | '>>' | '+' | '-' | '*' | '/' | '%' )"`
	Right *refUnary `parser:"NL* @@"`
}

type refUnary struct {
	Pos   lexer.Position
	Op    string    `parser:"  ( @( '-' | '~' )"`
	X     *refUnary `parser:"    @@ )"`
	Call  *refCall  `parser:"| @@"`
	Value refValue  `parser:"| @@"`
}

type refCall struct {
	Pos    lexer.Position
	EndPos lexer.Position
	Name   string    `parser:"@Ident"`
	Args   []*refArg `parser:"@@*"`
}

type refArg struct {
	Pos    lexer.Position
	Record *refRecordLit `parser:"  (?= '{' NL* ( Ident | Keyword ) ':' ) @@"`
	Word   string        `parser:"| @Ident"`
	Value  refArgValue   `parser:"| @@"`
}

type refElem struct {
	Pos  lexer.Position
	Left *refElemUnary `parser:"@@"`
	Rest []*refElemOp  `parser:"@@*"`
}

type refElemOp struct {
	Pos   lexer.Position
	Op    string        `parser:"@( '|' | '^' | '&' | '<<' | '>>' | '+' | '-' | '*' | '/' | '%' )"`
	Right *refElemUnary `parser:"NL* @@"`
}

type refElemUnary struct {
	Pos   lexer.Position
	Op    string        `parser:"  ( @( '-' | '~' )"`
	X     *refElemUnary `parser:"    @@ )"`
	Word  string        `parser:"| @Ident"`
	Value refValue      `parser:"| @@"`
}

type refValue interface{ value() }

type refArgValue interface {
	refValue
	argValue()
}

type refIntLit struct {
	Pos lexer.Position
	N   Int `parser:"@Int"`
}

type refStrLit struct {
	Pos lexer.Position
	S   Str `parser:"@String"`
}

type refRawLit struct {
	Pos lexer.Position
	S   Raw `parser:"@RawString"`
}

type refBoolLit struct {
	Pos lexer.Position
	V   string `parser:"@( 'true' | 'false' )"`
}

type refOkLit struct {
	Pos lexer.Position
	Kw  string `parser:"@'ok'"`
}

type refVarLit struct {
	Pos  lexer.Position
	Ref  VarRef         `parser:"@Var"`
	Sels []*refSelector `parser:"@@*"`
}

type refSelector struct {
	Pos   lexer.Position
	Field string    `parser:"  @Sel"`
	Index *refExpr  `parser:"| '.(' NL* @@ NL* ')'"`
	Slice *refSlice `parser:"| '.[' @@ ']'"`
}

type refSlice struct {
	Pos  lexer.Position
	From *refExpr `parser:"@@?"`
	To   *refExpr `parser:"':' @@?"`
}

type refListLit struct {
	Pos   lexer.Position
	Elems []*refElem `parser:"'[' ( NL | ',' | @@ )* ']'"`
}

type refRecordLit struct {
	Pos    lexer.Position
	Fields []*refField `parser:"'{' ( NL | ',' | @@ )* '}'"`
}

type refField struct {
	Pos   lexer.Position
	Name  string   `parser:"@( Ident | Keyword ) ':'"`
	Value *refElem `parser:"NL* @@"`
}

type refParen struct {
	Pos  lexer.Position
	X    *refExpr       `parser:"'(' NL* @@ NL* ')'"`
	Sels []*refSelector `parser:"@@*"`
}

type refTimeLit struct {
	Pos  lexer.Position
	Body *refBlock `parser:"'time' @@"`
}

func (*refIntLit) value()    {}
func (*refStrLit) value()    {}
func (*refRawLit) value()    {}
func (*refBoolLit) value()   {}
func (*refOkLit) value()     {}
func (*refVarLit) value()    {}
func (*refListLit) value()   {}
func (*refRecordLit) value() {}
func (*refParen) value()     {}
func (*refTimeLit) value()   {}

func (*refIntLit) argValue()  {}
func (*refStrLit) argValue()  {}
func (*refRawLit) argValue()  {}
func (*refBoolLit) argValue() {}
func (*refOkLit) argValue()   {}
func (*refVarLit) argValue()  {}
func (*refListLit) argValue() {}
func (*refParen) argValue()   {}
func (*refTimeLit) argValue() {}
