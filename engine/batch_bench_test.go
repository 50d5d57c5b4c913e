package engine

import (
	"context"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/internal/sshtest"
)

// setUpCalls are a process's set-up as a batch holds it: n calls that
// change nothing outside the process (the remote test hosts are this
// machine).
func setUpCalls(n int) []builtins.BatchCall {
	calls := make([]builtins.BatchCall, n)
	for i := range calls {
		switch i % 3 {
		case 0:
			calls[i] = batchCall("chdir", "/")
		case 1:
			calls[i] = batchCall("getcwd")
		default:
			calls[i] = batchCall("getrlimit", builtins.Const("rlimit_nofile"))
		}
	}
	return calls
}

// batchThenOneByOne makes calls on pl as a batch, then one by one, b.N
// times, and returns the time each way took in all.
func batchThenOneByOne(b *testing.B, e *Engine, ctx context.Context, pl []int, calls []builtins.BatchCall) (inBatch, oneByOne time.Duration) {
	for b.Loop() {
		t0 := time.Now()
		if _, err := e.Batch(ctx, pl, calls); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		for _, c := range calls {
			if _, err := e.Call(ctx, pl, c.Name, c.Args); err != nil {
				b.Fatal(err)
			}
		}
		inBatch, oneByOne = inBatch+t1.Sub(t0), oneByOne+time.Since(t1)
	}
	return inBatch, oneByOne
}

// BenchmarkBatchVsCalls makes 48 calls on a proto-node, as one batch and
// one by one, alternated, and reports each one's time per call and their
// ratio (batch/calls):
//
//	go test ./engine -run '^$' -bench BatchVsCalls -benchtime 2000x
func BenchmarkBatchVsCalls(b *testing.B) {
	e, ctx := start(b)
	pl := fork(b, e, ctx, nil)
	calls := setUpCalls(48)
	inBatch, oneByOne := batchThenOneByOne(b, e, ctx, pl, calls)
	n := float64(b.N * len(calls))
	b.ReportMetric(float64(inBatch.Nanoseconds())/n, "batch-ns/call")
	b.ReportMetric(float64(oneByOne.Nanoseconds())/n, "single-ns/call")
	b.ReportMetric(float64(inBatch)/float64(oneByOne), "batch/calls")
}

// BenchmarkBatchOverSlowLink makes 20 set-up calls on a remote host's
// process behind a link of 20 ms round trip (a network namespace with
// netem, docs/remote.md), as one batch and one by one, and reports each
// one's time in round trips of the link:
//
//	go test ./engine -run '^$' -bench BatchOverSlowLink -benchtime 5x
func BenchmarkBatchOverSlowLink(b *testing.B) {
	const rtt = 20 * time.Millisecond
	ssh, how := sshtest.DelayedHost(b, "far2", rtt/2)
	b.Logf("delay each way: %v, by %s", rtt/2, how)
	e, ctx := startRemote(b, ssh, "far2")
	pl := fork(b, e, ctx, nil)
	calls := setUpCalls(20)
	inBatch, oneByOne := batchThenOneByOne(b, e, ctx, pl, calls)
	b.ReportMetric(float64(inBatch)/float64(b.N)/float64(rtt), "batch-rtts")
	b.ReportMetric(float64(oneByOne)/float64(b.N)/float64(rtt), "single-rtts")
	b.ReportMetric(float64(inBatch.Milliseconds())/float64(b.N), "batch-ms")
}
