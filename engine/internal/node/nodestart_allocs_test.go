package node

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// nodeStartInitBudget bounds what alsh's own packages allocate in their
// initialisers, which every node runs before its own code (a node is the
// binary in node mode): tables a node does not use are built at their
// first use. Each allocation of a size the node uses nowhere else costs
// it a page or two resident (docs/engine.md, a node's memory); these
// packages allocated 134 KiB here before.
const nodeStartInitBudget = 16 << 10

var initTraceLine = regexp.MustCompile(`^init (github\.com/alsh/alsh/\S+) @.* clock, (\d+) bytes, (\d+) allocs$`)

// This test binary, run in node mode with GODEBUG inittrace=1, prints
// what each package's initialiser allocated before the node starts (and,
// with no control socket, fails to).
func TestNodeStartAllocatesLittleInOurPackages(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, Flag, "depth=1")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, _ := cmd.CombinedOutput() // the node ends with an error: no control socket
	total, seen := 0, 0
	var each []string
	for _, line := range strings.Split(string(out), "\n") {
		m := initTraceLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		total += n
		seen++
		each = append(each, m[1]+" "+m[2]+" bytes")
	}
	if seen == 0 {
		t.Fatalf("no initialiser of alsh's packages traced; the node printed:\n%s", out)
	}
	if total > nodeStartInitBudget {
		t.Errorf("alsh's packages allocated %d bytes before a node starts, more than %d:\n%s",
			total, nodeStartInitBudget, strings.Join(each, "\n"))
	}
}
