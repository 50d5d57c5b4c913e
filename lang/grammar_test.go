package lang_test

import (
	"os"
	"testing"

	"github.com/alsh/alsh/lang"
)

// TestGrammar keeps docs/grammar.ebnf equal to the grammar in the struct
// tags; go test -update rewrites it.
func TestGrammar(t *testing.T) {
	const path = "../docs/grammar.ebnf"
	got := "# The alsh grammar, generated from lang/ast.go by go test ./lang -update.\n\n" + lang.Grammar() + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden grammar (run go test ./lang -update): %v", err)
	}
	if string(want) != got {
		t.Errorf("%s is stale; run go test ./lang -update\ngot:\n%s", path, got)
	}
}
