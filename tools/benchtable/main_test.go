package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkRoundTrip/raw-socketpair/pinned-2         	    2000	     10000 ns/op
BenchmarkRoundTrip/call-depth-1/pinned-2           	    2000	     14000 ns/op
BenchmarkRoundTrip/call-depth-4/pinned-2           	    2000	     16000 ns/op
BenchmarkFork/prefork=0-2                          	    2000	    182249 ns/op
BenchmarkForkExecExit/prefork=0-2                  	    2000	    945312 ns/op
BenchmarkStream/cat-depth-1/watch-2                	    2000	    659839 ns/op	1589.14 MB/s
BenchmarkIdleNode-2                                	    2000	    583053 ns/op	      1211 Pss-KiB/node	       736.0 private-KiB/node
BenchmarkSandboxFull/fork-2         	     200	  40561577 ns/op	         1.979 alsh/bwrap	         1.916 alsh/unshare	     20006 µs-alsh/op	     10109 µs-bwrap/op
BenchmarkSandboxFull/fork-in-cgroup-2         	     300	  8188744 ns/op	         0.4328 alsh/bwrap	         0.4081 alsh/unshare	     1421 µs-alsh/op	     3283 µs-bwrap/op
PASS
`

// Each figure is read from its line and judged against its target.
func TestRows(t *testing.T) {
	got := map[string]row{}
	for _, r := range rows(parse(strings.NewReader(sample))) {
		got[r.what] = r
	}
	for what, want := range map[string]struct {
		value string
		met   bool
	}{
		"round trip depth 1, pinned":                           {"14.0 µs = 1.40× raw 10.0 µs", true},
		"round trip depth 4, pinned":                           {"16.0 µs = 1.60× raw 10.0 µs", false},
		"fork to ready":                                        {"0.18 ms", true},
		"fork+execvp /bin/true+exit":                           {"0.95 ms", false},
		"stream cat-depth-1/watch":                             {"1589 MB/s", true},
		"idle node Pss":                                        {"1.18 MiB (private 0.72)", true},
		"sandbox cycle + cgroup move, caps, landlock, seccomp": {"20.01 ms = 1.98× bwrap, 1.92× unshare", false},
		"the same, forked inside the cgroup":                   {"1.42 ms = 0.43× bwrap, 0.41× unshare", true},
	} {
		r, ok := got[what]
		if !ok || r.value != want.value || r.met != want.met {
			t.Errorf("%s: %+v, want %+v", what, r, want)
		}
	}
	if len(got) != 8 {
		t.Errorf("%d rows, want 8 (no row for a figure not measured): %v", len(got), got)
	}
}
