package lang_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/alsh/alsh/lang"
	"github.com/alsh/alsh/lang/langtest"
)

// TestHostPipelines checks that host's record starts pipelines: the
// calls reach the fake's remote root and its children, [] stays local;
// an unreachable host's error comes from its first call, which try
// catches.
func TestHostPipelines(t *testing.T) {
	var out bytes.Buffer
	host := langtest.New()
	in := lang.New(host, lang.Options{Stdout: &out})
	src := `$b = host "box1"
$c = fork [$b]
print (gethostname [$b]) (gethostname []) $b
execvp [$b $c] "cat" ["cat"]
$u = host "unreachable"
try { getpid [$u] } catch $e { print $e.message }
`
	if err := run(t, in, context.Background(), src); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || lines[0] != `box1 alsh {host: "box1", id: 1}` || !strings.Contains(lines[1], "host unreachable: ssh ended") {
		t.Fatalf("output:\n%s", out.String())
	}
	calls := strings.Join(host.Calls(), "\n")
	if !strings.Contains(calls, "fork [-1]") || !strings.Contains(calls, `execvp [-1 100] "cat"`) {
		t.Fatalf("calls:\n%s", calls)
	}
}
