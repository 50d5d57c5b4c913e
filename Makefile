# alsh: build, test, benchmark, regenerate.
GO ?= go
SHELL := bash
export CGO_ENABLED = 0

# A plain go build, go test or go install gives the full feature set: the
# root node hooks its copy of the binary itself (docs/engine.md, unshare in
# place), so no linker flag is needed. The engine's packages are tested
# apart from the others only so that the latter run under any
# instrumentation (-fuzz, -cover) without the engine's proto-node.
ENGINE_PKGS := ./engine/ ./engine/internal/node/ ./engine/internal/proto/ ./repl/ ./cmd/... ./lessons/ ./examples/...
OTHER_PKGS := ./lang/... ./builtins/... ./box/ ./lib/ ./tools/... ./engine/internal/wire/ ./engine/internal/testutil/ ./engine/internal/spin/ ./engine/internal/callfuzz/ ./engine/internal/relay/ ./internal/...

.PHONY: build test race bench bench-start bench-box bench-remote gen check-gen lint portable fuzz

# The binary is written again by cp: the Go linker writes its output
# through a mapping, and the page cache keeps a file written so in a way
# that each start of it takes 0.3-0.5 ms longer (a copy, or the same file
# once read back from the disk, does not), which every run and benchmark
# of a fresh build paid.
build:
	$(GO) build -o bin/alsh.link ./cmd/alsh
	cp bin/alsh.link bin/alsh.new && mv -f bin/alsh.new bin/alsh && rm -f bin/alsh.link

test: portable
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 15m $(OTHER_PKGS)
	$(GO) test -count=1 -timeout 15m $(ENGINE_PKGS)

# The tests under the race detector, which needs cgo (a C compiler): a
# race build forks full nodes, and its nodes are linked dynamically
# (docs/engine.md).
race:
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 15m $(OTHER_PKGS)
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 15m $(ENGINE_PKGS)

# Every fuzz target, each for FUZZTIME (go test -fuzz runs one target at a
# time). What a run finds new stays in Go's cache; a failing input is
# written to the package's testdata/fuzz, where make test runs it again.
# FuzzCallArgs builds bin/alsh-style helper itself (engine/internal/callfuzz).
FUZZTIME ?= 1m
FUZZFLAGS ?=
FUZZ_TARGETS := ./lang/:FuzzParse ./lang/:FuzzIncomplete ./lang/:FuzzEval ./lang/:FuzzRoundTrip ./lang/:FuzzGrammarMatchesReference ./lang/:FuzzDescentMatchesParticiple \
	./engine/internal/wire/:FuzzDecode ./engine/internal/wire/:FuzzRoundTrip \
	./engine/internal/callfuzz/:FuzzCallArgs ./engine/internal/relay/:FuzzReadFrame
fuzz:
	set -e; for t in $(FUZZ_TARGETS); do \
		echo "== $$t ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) $(FUZZFLAGS) "$${t%%:*}"; \
	done

# Benchmarks (engine/bench_test.go), then the speed figures beside their
# targets (tools/benchtable: round trips, fork, fork+exec, sandbox cycle,
# the realistic cycle against bwrap and fork+exec against C posix_spawn
# (alternated in one run), fork+boot, 1000 nodes, many callers,
# streams, idle node, a batch against the same calls one by one, and the
# booted node of bin/alsh, which it builds first). Round
# trips run 20000 times (a hiccup of the VM moves the mean of 2000 of
# them), the rest 2000 times.
BENCH := $(GO) test -run '^$$' -count 1 ./engine/
bench: build
	set -o pipefail; { $(BENCH) -bench RoundTrip -benchtime 20000x && \
		$(BENCH) -bench 'Fork|Clone|Sandbox|Spawn|^Stream$$|IdleNode|HandleVsPipeline|BatchVsCalls' -benchtime 2000x && \
		$(BENCH) -bench 'HandleStream' -benchtime 40x && \
		$(BENCH) -bench 'RealisticCycle|ForkExecVsPosixSpawn|ForkBoot' -benchtime 200x && \
		$(BENCH) -bench 'ThousandNodes|ManyCallers' -benchtime 1x && \
		$(GO) test -run '^$$' -count 1 -bench 'AlshNodePss' -benchtime 3x ./cmd/alsh/; } | $(GO) run ./tools/benchtable

# Remote hosts over ssh against ssh itself, in the same run, on loopback
# sshd test hosts (docs/remote.md); needs root and openssh-server.
bench-remote:
	$(BENCH) -bench 'HostCall' -benchtime 2000x
	$(BENCH) -bench 'HostFirstCall' -benchtime 10x
	$(BENCH) -bench 'HostBulk' -benchtime 1x
	$(BENCH) -bench 'HostsParallel' -benchtime 3x
	$(BENCH) -bench 'HostOverSlowLink' -benchtime 5x
	$(BENCH) -bench 'BatchOverSlowLink' -benchtime 5x

# alsh's start-up (alsh -c 'getpid []') against bwrap --ro-bind / /
# /bin/true: alternated in one run (BenchmarkStartVsBwrap), then through
# hyperfine when it is installed; needs root and bwrap.
bench-start: build
	$(GO) test -run '^$$' -count 1 -bench 'StartVsBwrap' -benchtime 200x ./cmd/alsh/
	if command -v hyperfine >/dev/null; then hyperfine -N -w 10 -r 200 \
		"bin/alsh -c 'getpid []'" "bwrap --ro-bind / / /bin/true"; fi

# alsh box against bwrap, alternated, and sandbox.apply on a running
# engine (docs/library.md); needs root and bwrap.
bench-box: build
	$(GO) test -run '^$$' -count 1 -bench 'BoxVsBwrap|BoxNoNetVsBwrap|BoxApply' -benchtime 200x ./cmd/alsh/

gen:
	$(GO) generate ./...

check-gen: gen
	git diff --exit-code

lint:
	$(GO) vet ./...
	test -z "$$(gofmt -l .)"
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# lang, repl, builtins, box, lib and lessons must stay portable (docs/architecture.md).
portable:
	GOOS=darwin $(GO) build ./lang/ ./builtins/... ./repl/ ./box/ ./lib/ ./lessons/
