package lang

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/alsh/alsh/builtins"
)

// parser is built at its first use, not at start: building it takes
// 0.7–1.2 ms and 650 kB, which every node (the same binary) and every
// run that parses nothing would pay. A valid program never builds it:
// descent (descent.go) parses it; participle words the errors.
var parser = sync.OnceValue(func() *participle.Parser[Program] { return participle.MustBuild[Program](grammarOptions()...) })

// grammarOptions: each union lists its common members first (see ast.go).
// UseLookahead(MaxLookahead) costs nothing on valid input; a smaller one
// would change the errors of invalid input.
func grammarOptions() []participle.Option {
	return []participle.Option{
		participle.Lexer(alshLexer()),
		participle.Elide("Comment", "Continuation", "Whitespace"),
		participle.Union[Stmt](&Assign{}, &If{}, &Return{}, &Proc{}, &For{}, &Try{}, &Expect{},
			&ExprStmt{}, &While{}, &Break{}, &Continue{}),
		participle.Union[Value](&VarLit{}, &StrLit{}, &ListLit{}, &IntLit{}, &Paren{}, &RecordLit{},
			&BoolLit{}, &OkLit{}, &RawLit{}, &TimeLit{}),
		participle.Union[ArgValue](&VarLit{}, &StrLit{}, &ListLit{}, &IntLit{}, &Paren{},
			&BoolLit{}, &OkLit{}, &RawLit{}, &TimeLit{}),
		participle.UseLookahead(participle.MaxLookahead),
	}
}

// Grammar returns the language's grammar in EBNF, as docs/grammar.ebnf
// holds it, after the operators its token kinds <arithop> and <cmpop> stand for.
func Grammar() string {
	return fmt.Sprintf("# <arithop> is one of %s\n# <cmpop> is one of %s\n\n%s",
		strings.Join(arithOps, " "), strings.Join(cmpOps, " "), parser().String())
}

// ParseError is a syntax error, with the position it was found at.
type ParseError struct {
	Pos        lexer.Position
	Msg        string
	incomplete bool

	unterminated bool   // stopped at a string that has no closing quote
	quote        string // its quote
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s: %s", e.Pos, e.Msg) }

// Incomplete reports whether the input is a valid beginning that needs
// more: an open bracket, brace or parenthesis, an unterminated string, an
// open block, or a trailing operator or backslash. A REPL reads another
// line and parses again.
func (e *ParseError) Incomplete() bool { return e.incomplete }

// Parse parses a whole program. Nothing runs until all of it parses; an
// error is a *ParseError. filename appears in positions; it may be empty.
func Parse(filename, src string) (prog *Program, err error) {
	defer func() {
		if r := recover(); r != nil { // a grammar bug must not crash a REPL
			prog, err = nil, &ParseError{Pos: lexer.Position{Filename: filename, Line: 1, Column: 1}, Msg: fmt.Sprintf("internal parser error: %v", r)}
		}
	}()
	toks := lexTokens(filename, src)
	if err := nestingError(toks); err != nil {
		return nil, err
	}
	prog, ok := descend(toks)
	if !ok { // participle finds the error and words it
		if prog, err = parser().ParseString(filename, src); err != nil {
			return nil, syntaxError(filename, src, err, syntax)
		}
	}
	if pos, ok := trailingContinuation(toks); ok {
		return nil, &ParseError{Pos: pos, Msg: "backslash at end of input continues onto a line that is missing", incomplete: true}
	}
	prog.src = src
	if err := check(prog); err != nil {
		return nil, err
	}
	return prog, nil
}

// syntax is what the grammar says of src: nil if it takes it.
func syntax(filename, src string) error {
	_, err := parser().ParseString(filename, src)
	return err
}

// syntaxError is the *ParseError for err, the grammar's error for src;
// grammar (syntax, or in tests the reference grammar) tells whether
// inputs grown from src would parse, which makes src incomplete.
func syntaxError(filename, src string, err error, grammar func(filename, src string) error) *ParseError {
	pe := parseError(err, src)
	pe.Msg += callHint(filename, src, pe.Pos)
	switch {
	case pe.unterminated:
		pe.incomplete = closable(filename, src, pe.quote, grammar)
	case pe.incomplete:
		pe.incomplete = continuable(filename, src, grammar)
	default:
		pe.incomplete = closedByBracket(filename, src, grammar)
	}
	return pe
}

// parseError turns participle's error into a *ParseError.
func parseError(err error, src string) *ParseError {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return &ParseError{Msg: err.Error()}
	}
	pe := &ParseError{Pos: perr.Position(), Msg: strings.TrimPrefix(perr.Message(), "failed to capture: ")}
	var unexpected *participle.UnexpectedTokenError
	if errors.As(err, &unexpected) {
		pe.Msg, pe.incomplete = describeUnexpected(unexpected.Unexpected, pe.Msg)
		pe.unterminated = unexpected.Unexpected.Type == tokUnterminated
		if pe.unterminated {
			pe.quote = unexpected.Unexpected.Value[:1]
		}
	}
	return pe
}

// describeUnexpected rewords participle's message for the token the parser
// stopped at, and says whether the input merely stops too early.
func describeUnexpected(tok lexer.Token, msg string) (string, bool) {
	switch {
	case tok.EOF():
		return "unexpected end of input" + expected(msg), true
	case tok.Type == tokUnterminated:
		return "unterminated string", true
	case tok.Type == tokNL:
		return "unexpected newline" + expected(msg), false
	}
	return fmt.Sprintf("unexpected %q%s", tok.Value, expected(msg)), false
}

// hints words participle's "(expected X)" for the grammar's node names.
var hints = map[string]string{"Expr": "a value", "ProdExpr": "a value", "Value": "a value",
	"NotExpr": "a value", "Unary": "a value", "ArgValue": "a value", "Block": "a { block }", "Else": "{ or if", "Elem": "a value", "Arith": "a value", "ElemUnary": "a value", "Slice": "a value"}

// expected keeps participle's "(expected …)" hint when it reads well.
func expected(msg string) string {
	i := strings.Index(msg, " (expected ")
	if i < 0 {
		return ""
	}
	hint := strings.TrimSuffix(msg[i+len(" (expected "):], ")")
	if first := strings.Fields(hint)[0]; strings.HasPrefix(first, `"`) {
		return " (expected " + first + ")"
	}
	if h, ok := hints[strings.Fields(hint)[0]]; ok {
		return " (expected " + h + ")"
	}
	return ""
}

// callHint explains an unexpected token that follows the name of a
// command where a word is a constant (in a list or a record): the call
// needs parentheses.
func callHint(filename, src string, at lexer.Position) string {
	lex, err := alshLexer().LexString(filename, src)
	if err != nil {
		return ""
	}
	var prev, before lexer.Token
	for {
		tok, err := lex.Next()
		if err != nil || tok.EOF() || tok.Pos.Offset >= at.Offset {
			break
		}
		if tok.Type != tokWhitespace {
			before, prev = prev, tok
		}
	}
	if prev.Type != tokIdent || before.Value != ":" && before.Value != "[" && before.Value != "," {
		return ""
	}
	if _, ok := builtinFuncs[prev.Value]; !ok {
		if _, ok := builtins.Lookup(prev.Value); !ok {
			return ""
		}
	}
	return fmt.Sprintf(": in a list or a record a word is a constant, so a call there needs parentheses: (%s …)", prev.Value)
}

// trailingContinuation finds a backslash-newline at the very end of the
// input (its tokens), which asks for another line.
func trailingContinuation(toks []lexer.Token) (lexer.Position, bool) {
	var last lexer.Token
	for _, tok := range toks {
		if !tok.EOF() && tok.Type != tokWhitespace {
			last = tok
		}
	}
	return last.Pos, last.Type == tokContinuation && last.Value != ""
}

// closedByBracket says whether an input the parser refused is a valid
// beginning all the same: the parser sometimes blames a token before the
// end of an open block (if x {(print 1), try{A%[]) rather than the end of
// input. It is, when a closing bracket after it gives a program.
func closedByBracket(filename, src string, grammar func(filename, src string) error) bool {
	for _, closer := range []string{"}", ")", "]", "\n}"} {
		if grammar(filename, src+closer) == nil {
			return true
		}
	}
	return false
}

// continuable says whether an input that stops too early can go on:
// the next line comes after a newline, so the input with a newline added
// must still be only incomplete. (After a comment, or where a newline may
// not come, such as right after if, it is not.)
func continuable(filename, src string, grammar func(filename, src string) error) bool {
	err := grammar(filename, src+"\n")
	if err == nil {
		return true
	}
	e := parseError(err, src)
	return e.incomplete || e.unterminated
}

// closable says whether an input that stops inside a string can still be
// completed: closing the string (after finishing a \x escape or a ${…}
// if need be) must give a program, or one that is incomplete for another
// reason.
func closable(filename, src, quote string, grammar func(filename, src string) error) bool {
	for _, tail := range []string{"", "0", "00", "}", "a}"} {
		err := grammar(filename, src+tail+quote)
		if err == nil {
			return true
		}
		if e := parseError(err, src); e.incomplete && !e.unterminated {
			return true
		}
	}
	return false
}
