package lang

import (
	"strings"
	"sync"

	"github.com/alecthomas/participle/v2/lexer"
)

// keywords are the reserved words; they never name a call or a constant.
var keywords = []string{"if", "else", "for", "in", "while", "proc", "return",
	"break", "continue", "try", "catch", "expect", "and", "or", "not",
	"true", "false", "ok", "time"}

// alshLexer splits source text into tokens. Newlines are tokens (they end
// statements); a backslash before a newline joins two lines. It is built
// at its first use, not at start: compiling its patterns took 0.2 ms and
// 118 kB of heap in every start of the binary, every node's included.
var alshLexer = sync.OnceValue(func() *lexer.StatefulDefinition { return lexer.MustSimple(lexerRules) })

var lexerRules = []lexer.SimpleRule{
	{Name: "Comment", Pattern: `#[^\n]*`},
	{Name: "Continuation", Pattern: `\\\r?\n`},
	{Name: "Whitespace", Pattern: `[ \t\r]+`},
	{Name: "NL", Pattern: `\n`},
	{Name: "String", Pattern: `"(\\[\s\S]|[^"\\])*"`},
	{Name: "RawString", Pattern: `'[^']*'`},
	// An opening quote that is never closed: the input is incomplete.
	{Name: "Unterminated", Pattern: `["'][\s\S]*`},
	// A variable with its path of fields, indexes and variables: $r.cur,
	// $l.0, $l.$i.
	{Name: "Var", Pattern: `\$[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z0-9_]+|\$[A-Za-z_][A-Za-z0-9_]*))*`},
	// A selector after a closing parenthesis or bracket: (f).name, .0, .$k.
	{Name: "Sel", Pattern: `\.([A-Za-z0-9_]+|\$[A-Za-z_][A-Za-z0-9_]*)`},
	{Name: "Int", Pattern: `-?[0-9][0-9A-Za-z_]*`},
	// Built from keywords, so that the list and the lexer cannot disagree.
	{Name: "Keyword", Pattern: `(` + strings.Join(keywords, "|") + `)\b`},
	// A dotted name is a procedure of a module: sandbox.ro_bind.
	{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*`},
	{Name: "Op", Pattern: `<<|>>|==|!=|<=|>=|\.\[|\.\(|[-+*/%<>=:;,\[\]{}()|&^~]`},
	// Anything else is one unexpected character, reported by the parser.
	{Name: "Char", Pattern: `[\s\S]`},
}

// tokenTypes are the token types that parse errors and fmt tell apart.
type tokenTypes struct {
	nl, whitespace, continuation, unterminated, ident  lexer.TokenType
	comment, str, raw, variable, sel, integer, keyword lexer.TokenType
}

var tokenType = sync.OnceValue(func() tokenTypes {
	s := alshLexer().Symbols()
	return tokenTypes{nl: s["NL"], whitespace: s["Whitespace"], continuation: s["Continuation"],
		unterminated: s["Unterminated"], ident: s["Ident"], comment: s["Comment"], str: s["String"],
		raw: s["RawString"], variable: s["Var"], sel: s["Sel"], integer: s["Int"], keyword: s["Keyword"]}
})
