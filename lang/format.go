package lang

import (
	"fmt"
	"slices"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Format lays a program out canonically, as alsh fmt does: one tab of
// indentation per open brace, bracket or parenthesis (and one more for a
// line that continues a statement), one space between words and around
// binary operators and =, none inside brackets, parentheses and records,
// a space inside a block's braces, at most one blank line, comments kept.
// It works on tokens, so it keeps what the source says: the result must
// lex to the same tokens, or Format refuses. The source must parse.
func Format(filename, src string) (string, error) {
	if _, err := Parse(filename, src); err != nil {
		return "", err
	}
	toks, err := lexAll(filename, src)
	if err != nil {
		return "", err
	}
	out := layout(toks)
	if err := sameTokens(filename, src, out); err != nil {
		return "", err
	}
	return out, nil
}

// lexAll returns the tokens without white space, keeping newlines,
// comments and backslash continuations.
func lexAll(filename, src string) ([]lexer.Token, error) {
	lex, err := alshLexer().LexString(filename, src)
	if err != nil {
		return nil, err
	}
	var toks []lexer.Token
	for {
		tok, err := lex.Next()
		if err != nil {
			return nil, err
		}
		if tok.EOF() {
			return toks, nil
		}
		if tok.Type != tokWhitespace {
			toks = append(toks, tok)
		}
	}
}

// formatter is the state of a layout: the output, the brackets open, and
// what the line so far ends with.
type formatter struct {
	b       strings.Builder
	open    []string // "(", "[", "{" (record), "b" (block), ".[" (slice)
	lineTok []lexer.Token
	blank   int  // newlines seen since the last token
	cont    bool // the line continues the statement of the previous one
	started bool
}

func layout(toks []lexer.Token) string {
	f := &formatter{}
	for i, tok := range toks {
		switch tok.Type {
		case tokNL:
			f.newline()
		case tokContinuation:
			f.b.WriteString(" \\")
			f.newline()
			f.cont = true
		default:
			f.token(tok, toks[i+1:])
		}
	}
	out := strings.TrimRight(f.b.String(), "\n")
	if out == "" {
		return ""
	}
	return out + "\n"
}

func (f *formatter) newline() {
	if len(f.lineTok) > 0 {
		last := f.lineTok[len(f.lineTok)-1]
		f.cont = f.cont || isBinaryOp(last.Value) && last.Type != tokComment || last.Value == "="
		f.b.WriteByte('\n')
		f.lineTok = nil
		f.blank = 0
		return
	}
	if f.started {
		f.blank++
	}
}

func (f *formatter) token(tok lexer.Token, rest []lexer.Token) {
	if len(f.lineTok) == 0 {
		f.startLine(tok)
	} else if f.spaceBefore(tok) {
		f.b.WriteByte(' ')
	}
	f.b.WriteString(tok.Value)
	f.track(tok, rest)
	f.lineTok = append(f.lineTok, tok)
	f.started = true
}

// startLine writes a line's indentation, after at most one blank line.
func (f *formatter) startLine(tok lexer.Token) {
	if f.blank > 0 {
		f.b.WriteByte('\n')
	}
	f.blank = 0
	depth := len(f.open)
	if isClosing(tok.Value) {
		depth--
	}
	if f.cont && !isClosing(tok.Value) {
		depth++
	}
	f.cont = false
	f.b.WriteString(strings.Repeat("\t", max(depth, 0)))
}

// track follows the brackets a token opens and closes.
func (f *formatter) track(tok lexer.Token, rest []lexer.Token) {
	switch tok.Value {
	case "(", "[", ".(", ".[":
		if isOp(tok.Type) {
			f.open = append(f.open, tok.Value)
		}
	case "{":
		if isRecordBrace(rest) {
			f.open = append(f.open, "{")
		} else {
			f.open = append(f.open, "b")
		}
	case ")", "]", "}":
		if len(f.open) > 0 && isOp(tok.Type) {
			f.open = f.open[:len(f.open)-1]
		}
	}
}

// isRecordBrace says whether a { opens a record: a field follows, as the
// grammar decides it (an empty {} counts as a block).
func isRecordBrace(rest []lexer.Token) bool {
	i := 0
	for i < len(rest) && rest[i].Type == tokNL {
		i++
	}
	return i+1 < len(rest) && (rest[i].Type == tokIdent || rest[i].Type == tokKeyword) && rest[i+1].Value == ":"
}

func isClosing(v string) bool { return v == ")" || v == "]" || v == "}" }

var binaryOps = []string{"|", "^", "&", "<<", ">>", "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or"}

func isBinaryOp(v string) bool { return slices.Contains(binaryOps, v) }

// spaceBefore decides the space between the last token of the line and
// the next one.
func (f *formatter) spaceBefore(tok lexer.Token) bool {
	prev := f.lineTok[len(f.lineTok)-1]
	inner := ""
	if len(f.open) > 0 {
		inner = f.open[len(f.open)-1]
	}
	op := isOp(tok.Type)
	switch {
	case tok.Type == tokComment:
		return true
	case tok.Type == tokSel || op && (tok.Value == ".(" || tok.Value == ".["):
		return false // selectors stick to what they select from
	case op && (tok.Value == "," || tok.Value == ";"):
		return false
	case op && tok.Value == ":":
		return false
	case isOp(prev.Type) && (prev.Value == "(" || prev.Value == "[" || prev.Value == ".(" || prev.Value == ".["):
		return false
	case op && (tok.Value == ")" || tok.Value == "]"):
		return false
	case isOp(prev.Type) && prev.Value == "{":
		return inner == "b" // a block's brace has a space inside, a record's none
	case op && tok.Value == "}":
		return inner == "b"
	case isOp(prev.Type) && prev.Value == ":":
		return inner != ".["
	case isOp(prev.Type) && (prev.Value == "-" || prev.Value == "~") && f.unaryAt(len(f.lineTok)-1):
		return prev.Value == "-" && tok.Type == tokInt // - 3 stays apart, or it would lex as the number -3
	}
	return true
}

// unaryAt says whether the - or ~ at index i of the line is a prefix
// operator: it follows no operand.
func (f *formatter) unaryAt(i int) bool {
	if f.lineTok[i].Value == "~" {
		return true
	}
	if i == 0 {
		return !f.cont
	}
	p := f.lineTok[i-1]
	switch p.Type {
	case tokInt, tokString, tokRawString, tokVar, tokSel, tokIdent:
		return false
	case tokKeyword:
		return p.Value != "true" && p.Value != "false" && p.Value != "ok"
	}
	return !isClosing(p.Value)
}

// sameTokens checks that the layout changed nothing but white space: the
// tokens, newlines aside, spell the same text. (A selector may join the
// variable before it, $l .0 becoming $l.0, which means the same.)
func sameTokens(filename, src, out string) error {
	a, err := lexAll(filename, src)
	if err != nil {
		return err
	}
	b, err := lexAll(filename, out)
	if err != nil {
		return err
	}
	if x, y := joined(significant(a)), joined(significant(b)); x != y {
		return fmt.Errorf("%s: internal error: formatting would change the program", filename)
	}
	return nil
}

func joined(toks []lexer.Token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.Value)
	}
	return b.String()
}

// significant drops newlines and continuations, which layout may move.
func significant(toks []lexer.Token) []lexer.Token {
	var out []lexer.Token
	for _, t := range toks {
		if t.Type != tokNL && t.Type != tokContinuation {
			out = append(out, t)
		}
	}
	return out
}
