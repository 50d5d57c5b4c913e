package engine

import (
	"testing"

	"github.com/alsh/alsh/internal/sshtest"
)

// An empty message on a remote node's control socket (write [$c] 3 "":
// the node's own fd 3) is not the socket's end: the hub relays it and
// reads on, so the node (the root, a child, booted or not) lives on and
// answers the calls after it.
func TestRemoteEmptyMessageIsNotTheEnd(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	e, ctx := startRemote(t, ssh, "box1")
	root := []int(nil)
	rootPid := call(t, e, ctx, root, "getpid")
	c := fork(t, e, ctx, root)
	for _, n := range []struct {
		name string
		pl   []int
		pid  any
	}{{"root", root, rootPid}, {"child", c, nil}} {
		for _, booted := range []bool{false, true} {
			if booted {
				bootNode(t, e, ctx, n.pl)
			}
			pid := call(t, e, ctx, n.pl, "getpid")
			for range 3 { // several in a row: each one is a message
				if got := call(t, e, ctx, n.pl, "write", int64(3), ""); got != int64(0) {
					t.Fatalf("%s: write 3 \"\" (booted %v) = %v", n.name, booted, got)
				}
			}
			if again := call(t, e, ctx, n.pl, "getpid"); again != pid {
				t.Fatalf("%s: getpid after empty messages (booted %v) = %v, want %v", n.name, booted, again, pid)
			}
		}
	}
	if pid := call(t, e, ctx, c, "getppid"); pid != rootPid {
		t.Fatalf("the child's parent is %v, want the root %v", pid, rootPid)
	}
}
