package lang

import (
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// keywords are the reserved words; they never name a call or a constant.
var keywords = []string{"if", "else", "for", "in", "while", "proc", "return",
	"break", "continue", "try", "catch", "expect", "and", "or", "not",
	"true", "false", "ok", "time"}

// alshLexer splits source text into tokens. Newlines are tokens (they end
// statements); a backslash before a newline joins two lines. It is written
// by hand, not built from regular expressions: compiling them took 0.2 ms
// in every run of alsh that parses, and lexing with them was the slower
// part of a parse. lexer_test.go keeps the rules as regular expressions and
// checks that both split every input alike (TestLexerMatchesItsRules,
// FuzzLexerMatchesItsRules).
func alshLexer() *lexDef { return &theLexer }

// The token kinds, tried in this order at each position: the first that
// matches takes the token (as participle's regexp lexer does).
const (
	tokComment lexer.TokenType = lexer.EOF - 1 - iota
	tokContinuation
	tokWhitespace
	tokNL
	tokString
	tokRawString
	tokUnterminated // an opening quote that is never closed: the input is incomplete
	tokVar          // a variable with its path of fields, indexes and variables: $r.cur, $l.0, $l.$i
	tokSel          // a selector after a closing parenthesis or bracket: (f).name, .0, .$k
	tokInt
	tokKeyword // one of keywords, whole
	tokIdent   // a dotted name is a procedure of a module: sandbox.ro_bind
	tokArithOp // an operator of Arith (BinOp): a token kind of its own lets the grammar match the ten in one step
	tokCmpOp   // a comparison operator, likewise
	tokOp      // any other operator or bracket
	tokChar    // anything else is one unexpected character, reported by the parser
)

type lexDef struct{ symbols map[string]lexer.TokenType }

var theLexer = lexDef{symbols: map[string]lexer.TokenType{"EOF": lexer.EOF,
	"Comment": tokComment, "Continuation": tokContinuation, "Whitespace": tokWhitespace, "NL": tokNL,
	"String": tokString, "RawString": tokRawString, "Unterminated": tokUnterminated, "Var": tokVar,
	"Sel": tokSel, "Int": tokInt, "Keyword": tokKeyword, "Ident": tokIdent, "ArithOp": tokArithOp, "CmpOp": tokCmpOp, "Op": tokOp, "Char": tokChar}}

func (d *lexDef) Symbols() map[string]lexer.TokenType { return d.symbols }

func (d *lexDef) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return d.LexString(filename, string(b))
}

func (d *lexDef) LexString(filename, src string) (lexer.Lexer, error) {
	return &lex{src: src, pos: lexer.Position{Filename: filename, Line: 1, Column: 1}}, nil
}

// lex is the lexer of one source text; rest is what is left to read.
type lex struct {
	src string
	pos lexer.Position
}

func (l *lex) Next() (lexer.Token, error) {
	rest := l.src[l.pos.Offset:]
	if rest == "" {
		return lexer.EOFToken(l.pos), nil
	}
	typ, n := nextToken(rest)
	tok := lexer.Token{Type: typ, Value: rest[:n], Pos: l.pos}
	l.pos.Advance(tok.Value)
	return tok, nil
}

// nextToken is the kind and length of the token that rest begins with.
func nextToken(rest string) (lexer.TokenType, int) {
	switch c := rest[0]; {
	case c == '#':
		return tokComment, lineEnd(rest)
	case c == '\\' && (strings.HasPrefix(rest, "\\\n") || strings.HasPrefix(rest, "\\\r\n")):
		return tokContinuation, strings.IndexByte(rest, '\n') + 1
	case c == ' ' || c == '\t' || c == '\r':
		return tokWhitespace, len(rest) - len(strings.TrimLeft(rest, " \t\r"))
	case c == '\n':
		return tokNL, 1
	case c == '"':
		if n := quotedEnd(rest); n > 0 {
			return tokString, n
		}
		return tokUnterminated, len(rest)
	case c == '\'':
		if n := strings.IndexByte(rest[1:], '\''); n >= 0 {
			return tokRawString, n + 2
		}
		return tokUnterminated, len(rest)
	case c == '$' && len(rest) > 1 && isNameStart(rest[1]):
		return tokVar, 1 + pathEnd(rest[1:], nameEnd(rest[1:]))
	case c == '.':
		if n := selEnd(rest[1:]); n > 0 {
			return tokSel, 1 + n
		}
	case c == '-' && len(rest) > 1 && isDigit(rest[1]) || isDigit(c):
		sign := 0
		if c == '-' {
			sign = 1
		}
		return tokInt, sign + wordEnd(rest[sign:])
	case isNameStart(c):
		if n := nameEnd(rest); isKeyword(rest[:n]) {
			return tokKeyword, n
		}
		return tokIdent, dottedEnd(rest)
	}
	if n := opEnd(rest); n > 0 {
		return opKind(rest[:n]), n
	}
	_, n := utf8.DecodeRuneInString(rest)
	return tokChar, n
}

func isDigit(c byte) bool     { return '0' <= c && c <= '9' }
func isNameStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isWord(c byte) bool      { return isNameStart(c) || isDigit(c) }

// lineEnd: the length of rest up to its newline.
func lineEnd(rest string) int {
	if n := strings.IndexByte(rest, '\n'); n >= 0 {
		return n
	}
	return len(rest)
}

// wordEnd: the length of rest's run of letters, digits and underscores.
func wordEnd(rest string) int {
	n := 0
	for n < len(rest) && isWord(rest[n]) {
		n++
	}
	return n
}

// nameEnd: the length of the name rest begins with (isNameStart).
func nameEnd(rest string) int { return wordEnd(rest) }

// quotedEnd: the length of the double-quoted string rest begins with,
// its closing quote included (a backslash takes the character after it,
// whatever it is); 0 when it is never closed.
func quotedEnd(rest string) int {
	for i := 1; i < len(rest); i++ {
		switch rest[i] {
		case '"':
			return i + 1
		case '\\':
			i++ // a character after the backslash is taken; none: unclosed
		}
	}
	return 0
}

// pathEnd: where a variable's path ends: each .field, .index or .$var
// after the name (n bytes).
func pathEnd(rest string, n int) int {
	for n < len(rest) && rest[n] == '.' {
		m := selEnd(rest[n+1:])
		if m == 0 {
			break
		}
		n += 1 + m
	}
	return n
}

// selEnd: the length of a selector's word after its dot: letters and
// digits, or a variable's name with its $; 0 if there is none.
func selEnd(rest string) int {
	if rest != "" && rest[0] == '$' {
		if len(rest) > 1 && isNameStart(rest[1]) {
			return 1 + nameEnd(rest[1:])
		}
		return 0
	}
	return wordEnd(rest)
}

// dottedEnd: the length of a name with its dotted parts (a module's
// procedure), each part a name.
func dottedEnd(rest string) int {
	n := nameEnd(rest)
	for n+1 < len(rest) && rest[n] == '.' && isNameStart(rest[n+1]) {
		n += 1 + nameEnd(rest[n+1:])
	}
	return n
}

func isKeyword(word string) bool { return slices.Contains(keywords, word) }

// opEnd: the length of the operator rest begins with; 0 if none.
func opEnd(rest string) int {
	if len(rest) > 1 {
		switch rest[:2] {
		case "<<", ">>", "==", "!=", "<=", ">=", ".[", ".(":
			return 2
		}
	}
	if strings.IndexByte("-+*/%<>=:;,[]{}()|&^~", rest[0]) >= 0 {
		return 1
	}
	return 0
}

// The operators of the token kinds ArithOp and CmpOp.
var (
	arithOps = []string{"|", "^", "&", "<<", ">>", "+", "-", "*", "/", "%"}
	cmpOps   = []string{"==", "!=", "<=", ">=", "<", ">"}
)

// opKind is the kind of the operator op.
func opKind(op string) lexer.TokenType {
	switch {
	case slices.Contains(arithOps, op):
		return tokArithOp
	case slices.Contains(cmpOps, op):
		return tokCmpOp
	}
	return tokOp
}

// isOp says whether a token of kind t is an operator or a bracket.
func isOp(t lexer.TokenType) bool { return t == tokOp || t == tokArithOp || t == tokCmpOp }
