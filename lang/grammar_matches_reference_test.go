package lang

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2"
)

// The grammar was reordered and guarded for speed (see grammarOptions);
// these tests hold it to the reference grammar it replaced
// (grammar_reference_test.go): for every input, the same tree, or the same
// error at the same place, and the same answers for the inputs Parse tries
// to tell an incomplete input (closers, a newline, closing quotes).

// TestGrammarMatchesReference compares the two on every script of the
// repository, each line of them and of the docs, windows of three lines,
// every beginning of each line of a script, and the fuzz corpora.
func TestGrammarMatchesReference(t *testing.T) {
	inputs := referenceCorpus(t)
	if len(inputs) < 10000 {
		t.Fatalf("only %d inputs: the corpus was not found", len(inputs))
	}
	for _, src := range inputs {
		if diff := compareWithReference(src); diff != "" {
			t.Error(diff)
		}
	}
}

func FuzzGrammarMatchesReference(f *testing.F) {
	for _, s := range []string{"$c = fork []\nsetuid [$c] 0\n", "if x { } else if y { 1 } else { [1 {a: 2}] }",
		"expect eperm setuid [$c] 0", "for $k $v in $r { print \"$k ${v}\" }", "proc f $a { return ($a).0 + 1 }",
		"try { $l.[1:2] } catch $e { }", "print a -1 ~2 (f).x $y.(1) time { }", "1 < 2 and not 3 or 4 >= 5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if diff := compareWithReference(src); diff != "" {
			t.Error(diff)
		}
	})
}

// compareWithReference says how the grammar and the reference part on src
// or on the inputs Parse derives from it, or "" if they do not.
func compareWithReference(src string) string {
	for _, in := range append([]string{src}, probes(src)...) {
		if got, want := parseOutcome(parser(), in), parseOutcome(refParser(), in); got != want {
			return fmt.Sprintf("parsing %q:\n got %s\nwant %s", in, got, want)
		}
	}
	return ""
}

// probes are the inputs Parse derives from src, which the reference
// refuses, to tell whether src is incomplete: src with a closing quote
// (closable), a newline (continuable), or a closer (closedByBracket).
func probes(src string) []string {
	_, err := refParser().ParseString("f", src)
	var unexpected *participle.UnexpectedTokenError
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &unexpected):
		return closerProbes(src)
	case unexpected.Unexpected.Type == tokenType().unterminated:
		quote := unexpected.Unexpected.Value[:1]
		var out []string
		for _, tail := range []string{"", "0", "00", "}", "a}"} {
			out = append(out, src+tail+quote)
		}
		return out
	case unexpected.Unexpected.EOF():
		return []string{src + "\n"}
	}
	return closerProbes(src)
}

func closerProbes(src string) []string {
	var out []string
	for _, closer := range []string{"}", ")", "]", "\n}"} {
		out = append(out, src+closer)
	}
	return out
}

// parseOutcome is the tree participle builds for src, or its error, as
// text in which the reference's type names lose their prefix.
func parseOutcome[G any](p *participle.Parser[G], src string) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = refNames.ReplaceAllString(fmt.Sprint("panic: ", r), "$1")
		}
	}()
	prog, err := p.ParseString("f", src)
	if err != nil {
		desc := fmt.Sprintf("error %T %s", err, err)
		var unexpected *participle.UnexpectedTokenError
		if errors.As(err, &unexpected) {
			desc += fmt.Sprintf(" (token type %d)", unexpected.Unexpected.Type)
		}
		return refNames.ReplaceAllString(desc, "$1")
	}
	var b strings.Builder
	dumpTree(&b, reflect.ValueOf(prog))
	return "ok " + b.String()
}

var refNames = regexp.MustCompile(`\b[Rr]ef([A-Z])`)

// dumpTree writes a tree's exported fields, naming each node's type.
func dumpTree(b *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		dumpTree(b, v.Elem())
	case reflect.Struct:
		b.WriteString(strings.TrimPrefix(v.Type().Name(), "ref") + "{")
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				b.WriteString(f.Name + ":")
				dumpTree(b, v.Field(i))
				b.WriteString(" ")
			}
		}
		b.WriteString("}")
	case reflect.Slice:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		b.WriteString("[")
		for i := range v.Len() {
			dumpTree(b, v.Index(i))
			b.WriteString(" ")
		}
		b.WriteString("]")
	case reflect.String:
		b.WriteString(strconv.Quote(v.String()))
	default:
		fmt.Fprint(b, v.Interface())
	}
}

// referenceCorpus gathers the inputs TestGrammarMatchesReference compares.
func referenceCorpus(t *testing.T) []string {
	seen := map[string]bool{}
	var inputs []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			inputs = append(inputs, s)
		}
	}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != ".." {
			return filepath.SkipDir
		}
		switch {
		case strings.HasSuffix(path, ".alsh"), strings.HasSuffix(path, ".txtar"), strings.HasSuffix(path, ".md"):
		case strings.Contains(path, "testdata/fuzz/Fuzz") && !d.IsDir():
		default:
			return nil
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(path, "testdata/fuzz/") {
			for _, s := range fuzzCorpusStrings(string(text)) {
				add(s)
			}
			return nil
		}
		if strings.HasSuffix(path, ".alsh") {
			add(string(text))
		}
		lines := strings.Split(string(text), "\n")
		for i := range lines {
			lines[i] = strings.TrimPrefix(strings.TrimPrefix(lines[i], "alsh> "), "...> ")
		}
		for i, line := range lines {
			add(line)
			if strings.HasSuffix(path, ".md") {
				continue // mostly prose: its lines are enough
			}
			if i+3 <= len(lines) {
				add(strings.Join(lines[i:i+3], "\n"))
			}
			for _, end := range tokenEnds(line) {
				add(line[:end])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return inputs
}

// tokenEnds are the offsets in line where a token ends.
func tokenEnds(line string) []int {
	lex, _ := alshLexer().LexString("", line)
	var ends []int
	for {
		tok, err := lex.Next()
		if err != nil || tok.EOF() {
			return ends
		}
		ends = append(ends, tok.Pos.Offset+len(tok.Value))
	}
}

// fuzzCorpusStrings decodes the string values of a go test fuzz v1 file.
func fuzzCorpusStrings(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if q, ok := strings.CutPrefix(line, "string("); ok {
			if s, err := strconv.Unquote(strings.TrimSuffix(q, ")")); err == nil {
				out = append(out, s)
			}
		}
	}
	return out
}
