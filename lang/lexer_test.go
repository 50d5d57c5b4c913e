package lang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// lexerRules are the lexer's rules as regular expressions, tried in order
// at each position (the first that matches takes the token): the
// definition the hand-written lexer (lexer.go) must agree with.
var lexerRules = []lexer.SimpleRule{
	{Name: "Comment", Pattern: `#[^\n]*`},
	{Name: "Continuation", Pattern: `\\\r?\n`},
	{Name: "Whitespace", Pattern: `[ \t\r]+`},
	{Name: "NL", Pattern: `\n`},
	{Name: "String", Pattern: `"(\\[\s\S]|[^"\\])*"`},
	{Name: "RawString", Pattern: `'[^']*'`},
	{Name: "Unterminated", Pattern: `["'][\s\S]*`},
	{Name: "Var", Pattern: `\$[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z0-9_]+|\$[A-Za-z_][A-Za-z0-9_]*))*`},
	{Name: "Sel", Pattern: `\.([A-Za-z0-9_]+|\$[A-Za-z_][A-Za-z0-9_]*)`},
	{Name: "Int", Pattern: `-?[0-9][0-9A-Za-z_]*`},
	{Name: "Keyword", Pattern: `(` + strings.Join(keywords, "|") + `)\b`},
	{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*`},
	{Name: "Op", Pattern: `<<|>>|==|!=|<=|>=|\.\[|\.\(|[-+*/%<>=:;,\[\]{}()|&^~]`},
	{Name: "Char", Pattern: `[\s\S]`},
}

// tokensOf splits src with def into (kind name, text, position) triples.
func tokensOf(t testing.TB, def lexer.StringDefinition, names map[lexer.TokenType]string, src string) []string {
	l, err := def.LexString("f", src)
	if err != nil {
		t.Fatalf("LexString(%q): %v", src, err)
	}
	var out []string
	for {
		tok, err := l.Next()
		if err != nil {
			t.Fatalf("lexing %q: %v", src, err)
		}
		out = append(out, names[tok.Type]+" "+tok.Pos.String()+" "+tok.Value)
		if tok.EOF() {
			return out
		}
	}
}

// checkLexersAgree fails unless the hand-written lexer splits src as the
// rules do: the same kinds, texts and positions.
func checkLexersAgree(t testing.TB, rules *lexer.StatefulDefinition, src string) {
	t.Helper()
	want := tokensOf(t, rules, lexer.SymbolsByRune(rules), src)
	got := tokensOf(t, alshLexer(), lexer.SymbolsByRune(alshLexer()), src)
	for i := 0; i < len(want) || i < len(got); i++ {
		if i >= len(want) || i >= len(got) || want[i] != got[i] {
			t.Fatalf("lexing %q: token %d is %q, the rules give %q\n(all: %q)", src, i, at(got, i), at(want, i), got)
		}
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(none)"
}

var lexerCases = []string{
	"", "getpid []", "$c = fork []\nsetuid [$c] 0\n", "# a comment\nx # and one\n",
	"print 1 \\\n2", "print 1 \\\r\n2", "a \\ b", "\\", "\"a\\\"b\" 'c\"d'", "\"unclosed", "'unclosed\nline",
	"\"ends in a backslash\\", "\"\\\n\"", "$a.b.0.$c.d", "$a.", "$a.$", "$a.$1", "$", "$1", "(f).name .0 .$k .$ .",
	".[0] .(x)", "1-2 -3 - 4 0x1f 1_000 9abc", "-", "--1", "if else for in while proc return break continue",
	"try catch expect and or not true false ok time", "inx if.x true_ ifé iF _if", "sandbox.ro_bind a.b.c a.1 a..b a.",
	"<< >> == != <= >= <> = ! !x", "-+*/%<>=:;,[]{}()|&^~", "é ü \xff\xfe \x00 @ ? `", "\t \r\n\r", "{a: [1 {b: 2}]}",
	"for $i in (range 3) { print \"$i ${i}x\" }", "x\n\n\ny", "'raw' \"\\x00\\$\"",
}

func TestLexerMatchesItsRules(t *testing.T) {
	rules := lexer.MustSimple(lexerRules)
	for _, src := range lexerCases {
		checkLexersAgree(t, rules, src)
	}
	// Every script and transcript the repository holds.
	var files []string
	for _, glob := range []string{"testdata/*.txtar", "../lib/*.alsh", "../scripts/*.alsh", "../lessons/*/*.alsh", "../cmd/alsh/testdata/*.txtar"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("found %d scripts to lex, want the repository's", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkLexersAgree(t, rules, string(b))
	}
}

func FuzzLexerMatchesItsRules(f *testing.F) {
	for _, src := range lexerCases {
		f.Add(src)
	}
	rules := lexer.MustSimple(lexerRules)
	f.Fuzz(func(t *testing.T, src string) {
		checkLexersAgree(t, rules, src)
	})
}
