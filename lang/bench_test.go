package lang_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/alsh/alsh/lang"
	"github.com/alsh/alsh/lang/langtest"
)

// The language's speed beside bash's, in the same run:
//
//	go test ./lang -run '^$' -bench 'Loop|SplitJoin' -benchtime 3x
//
// Each benchmark reports ns/op for the whole script; the bash ones time
// only the work inside bash (EPOCHREALTIME), not bash's start.

const loopN = 1_000_000

// splitJoinInput is 1 MiB of comma-separated words.
var splitJoinInput = strings.Repeat("abcdefg,", 1<<20/8)

func runScript(b *testing.B, src string, args ...string) {
	b.Helper()
	prog, err := lang.Parse("bench", src)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		in := lang.New(langtest.New(), lang.Options{Args: args})
		if err := in.Run(context.Background(), prog); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoopIncrement(b *testing.B) {
	runScript(b, fmt.Sprintf("$i = 0\nwhile $i < %d { $i = $i + 1 }\nexpect $i == %d", loopN, loopN))
}

func BenchmarkSplitJoin(b *testing.B) {
	runScript(b, `$parts = split $args.0 ","
$joined = join $parts ","
expect (len $joined) == (len $args.0)`, splitJoinInput)
}

// bash runs a bash script that prints the nanoseconds its work took and
// reports them as ns/op.
func bash(b *testing.B, script string, stdin string) {
	b.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		b.Skip("no bash")
	}
	var total int64
	for b.Loop() {
		cmd := exec.Command("bash", "-c", `t0=${EPOCHREALTIME/./}; `+script+`; t1=${EPOCHREALTIME/./}; echo $(( (t1 - t0) * 1000 ))`)
		cmd.Stdin = strings.NewReader(stdin)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			b.Fatal(err)
		}
		ns, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			b.Fatalf("bash said %q", out)
		}
		total += ns
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(total)/float64(b.N), "bash-ns/op")
}

func BenchmarkBashLoopIncrement(b *testing.B) {
	bash(b, fmt.Sprintf("i=0; while (( i < %d )); do i=$((i + 1)); done", loopN), "")
}

// The bash split reads the input before the clock starts.
func BenchmarkBashSplitJoin(b *testing.B) {
	bash(b, `IFS= read -r s; t0=${EPOCHREALTIME/./}; IFS=, read -r -a parts <<< "$s"; joined=$(IFS=,; echo "${parts[*]}")`, splitJoinInput+"\n")
}
