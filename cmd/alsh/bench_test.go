package main

import (
	"context"
	"testing"

	"github.com/alsh/alsh/engine"
	"github.com/alsh/alsh/lang"
	"github.com/alsh/alsh/lang/langtest"
)

// How much of a script that makes calls is the evaluator's: the same
// 10k-getpid loop against the real engine and against lang's fake host,
// which answers at once. The fake's time is the evaluator's (and the
// fake's) share of the engine's:
//
//	go test ./cmd/alsh -run '^$' -bench GetpidLoop -benchtime 5x

const getpidLoop = `for $i in range 10000 { getpid [] }`

func benchLoop(b *testing.B, host lang.Host) {
	prog, err := lang.Parse("bench", getpidLoop)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := lang.New(host, lang.Options{}).Run(context.Background(), prog); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetpidLoopEngine(b *testing.B) {
	eng, err := engine.Start(context.Background(), engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	benchLoop(b, eng)
}

func BenchmarkGetpidLoopFake(b *testing.B) {
	benchLoop(b, langtest.New())
}
