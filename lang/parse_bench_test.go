package lang

import (
	"os"
	"testing"

	"github.com/alecthomas/participle/v2"
)

// The parser's speed beside the reference grammar's
// (grammar_reference_test.go) and descent's (descent.go), in the same run:
//
//	go test ./lang -run '^$' -bench 'ParseSandboxModule|BuildParser' -benchmem

func BenchmarkParseSandboxModule(b *testing.B) {
	src, err := os.ReadFile("../lib/sandbox.alsh")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("grammar=reference", func(b *testing.B) { benchmarkParse(b, refParser(), string(src)) })
	b.Run("grammar=current", func(b *testing.B) { benchmarkParse(b, parser(), string(src)) })
	b.Run("descent", func(b *testing.B) {
		for b.Loop() {
			if _, ok := parseDescent("sandbox.alsh", string(src)); !ok {
				b.Fatal("descent refused the sandbox module")
			}
		}
	})
}

func benchmarkParse[G any](b *testing.B, p *participle.Parser[G], src string) {
	for b.Loop() {
		if _, err := p.ParseString("sandbox.alsh", src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildParser(b *testing.B) {
	b.Run("grammar=reference", func(b *testing.B) {
		for b.Loop() {
			participle.MustBuild[refProgram](refGrammarOptions()...)
		}
	})
	b.Run("grammar=current", func(b *testing.B) {
		for b.Loop() {
			participle.MustBuild[Program](grammarOptions()...)
		}
	})
}
