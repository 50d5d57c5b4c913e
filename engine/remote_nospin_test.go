package engine

import (
	"slices"
	"strings"
	"testing"

	"github.com/alsh/alsh/internal/sshtest"
)

// A remote host's nodes do not spin for their next call (node.NoSpinWord,
// which the hub gives the root and each node its children): the word is
// in the argv of a booted child two levels down, read by a program it
// runs; a local node's has none.
func TestRemoteNodesDoNotSpin(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	for _, remote := range []bool{true, false} {
		e, ctx := start(t)
		if remote {
			e, ctx = startRemote(t, ssh, "box1")
		}
		c := fork(t, e, ctx, nil)
		bootNode(t, e, ctx, c)
		d := fork(t, e, ctx, c)
		bootNode(t, e, ctx, d)
		p := fork(t, e, ctx, d)
		call(t, e, ctx, p, "execvp", "/bin/sh", []any{"sh", "-c", `tr '\0' ' ' </proc/$PPID/cmdline`})
		argv := strings.Fields(outputOf(t, e, p))
		if got := slices.Contains(argv, "nospin"); got != remote || !slices.Contains(argv, "-alsh-node") {
			t.Errorf("remote %v: the booted node's argv %q, want nospin in it: %v", remote, argv, remote)
		}
	}
}
