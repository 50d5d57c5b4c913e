# alsh: build, test, benchmark, regenerate.
GO ?= go
export CGO_ENABLED = 0

.PHONY: build test bench gen check-gen lint portable

build:
	$(GO) build -o bin/alsh ./cmd/alsh

test: portable
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 15m ./...

# Benchmarks print a table (see engine/bench_test.go); -benchtime keeps them short.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 2000x -count 1 ./engine/

gen:
	$(GO) generate ./...

check-gen: gen
	git diff --exit-code

lint:
	$(GO) vet ./...
	test -z "$$(gofmt -l .)"

# lang, repl and builtins must stay portable (DESIGN.md §6).
portable:
	GOOS=darwin $(GO) build ./lang/ ./builtins/ ./repl/
