package lang

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// keywords are the reserved words; they never name a call or a constant.
var keywords = []string{"if", "else", "for", "in", "while", "proc", "return",
	"break", "continue", "try", "catch", "expect", "and", "or", "not",
	"true", "false", "ok", "time"}

// alshLexer splits source text into tokens. Newlines are tokens (they end
// statements); a backslash before a newline joins two lines.
var alshLexer = lexer.MustSimple([]lexer.SimpleRule{
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
})
