package lang

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2"
)

// The grammar was reordered and guarded for speed (see grammarOptions);
// these tests hold it to the reference grammar it replaced
// (grammar_reference_test.go): for every input, the same tree, or the same
// error from Parse: position, message and Incomplete.

// TestGrammarMatchesReference compares the two on every script of the
// repository, each line of them and of the docs, windows of three lines,
// every beginning of each line of a script, and the fuzz corpora (one in
// ten of them with -short).
func TestGrammarMatchesReference(t *testing.T) {
	inputs := referenceCorpus(t)
	if len(inputs) < 10000 {
		t.Fatalf("only %d inputs: the corpus was not found", len(inputs))
	}
	for i, src := range inputs {
		if testing.Short() && i%10 != 0 {
			continue
		}
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

// compareWithReference says how the grammar and the reference part on
// src, or "" if they do not: the tree, or Parse's error (position,
// message, Incomplete, found with each grammar's answers for the inputs
// Parse derives from src).
func compareWithReference(src string) string {
	got := outcome(src, func() (any, error) { return parser().ParseString("f", src) }, syntax)
	want := outcome(src, func() (any, error) { return refParser().ParseString("f", src) }, refSyntax)
	if got != want {
		return fmt.Sprintf("parsing %q:\n got %s\nwant %s", src, got, want)
	}
	return ""
}

// outcome is the tree a grammar gives for src, or the error Parse makes
// of its refusal, as text.
func outcome(src string, parse func() (any, error), grammar func(filename, src string) error) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = refNames.ReplaceAllString(fmt.Sprint("panic: ", r), "$1")
		}
	}()
	prog, err := parse()
	if err != nil {
		pe := syntaxError("f", src, withoutRefNames(err), grammar)
		return fmt.Sprintf("error %s (incomplete %v)", pe, pe.Incomplete())
	}
	var b strings.Builder
	dumpTree(&b, reflect.ValueOf(prog))
	return "ok " + b.String()
}

// refSyntax is what the reference grammar says of src.
func refSyntax(filename, src string) error {
	_, err := refParser().ParseString(filename, src)
	return withoutRefNames(err)
}

// withoutRefNames is the reference grammar's error with its node types
// named as the grammar's are (Expr, not RefExpr), for Parse's hints.
func withoutRefNames(err error) error {
	switch e := err.(type) {
	case nil:
		return nil
	case *participle.UnexpectedTokenError:
		_, expect, _ := strings.Cut(e.Message(), " (expected ")
		return &participle.UnexpectedTokenError{Unexpected: e.Unexpected, Expect: refNames.ReplaceAllString(strings.TrimSuffix(expect, ")"), "$1")}
	case participle.Error:
		var unexpected *participle.UnexpectedTokenError
		if errors.As(err, &unexpected) {
			return err // wrapped: left as it is, which a difference will show
		}
		return &participle.ParseError{Msg: refNames.ReplaceAllString(e.Message(), "$1"), Pos: e.Position()}
	}
	return err
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
		fields := reflect.VisibleFields(v.Type()) // by name: the grammar orders them by what it tries first
		slices.SortFunc(fields, func(a, b reflect.StructField) int { return strings.Compare(a.Name, b.Name) })
		for _, f := range fields {
			if f.IsExported() {
				b.WriteString(f.Name + ":")
				dumpTree(b, v.FieldByIndex(f.Index))
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
