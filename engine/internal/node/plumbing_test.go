package node

import (
	"testing"

	"github.com/alsh/alsh/engine/internal/testutil"
)

// The fds one fork's plumbing holds: a socketpair, four pipes, a bell.
const plumbingFds = 2 + 4*2 + 1

// Nothing is made ahead until a proto-node's fork asks for it; what is
// made is what the next fork takes, with no fd opened on its way.
func TestPlumbingMadeAheadAfterAFork(t *testing.T) {
	var pl plumbing
	defer pl.drop()
	base := testutil.FdCount(t, "self")
	if pl.wanted() {
		t.Fatal("plumbing wanted before any fork")
	}
	pl.forked(true)
	if !pl.wanted() {
		t.Fatal("a proto-node's fork did not ask for the next plumbing")
	}
	pl.refill()
	if n := testutil.FdCount(t, "self"); n != base+plumbingFds {
		t.Fatalf("made ahead: %d fds, want %d", n, base+plumbingFds)
	}
	made := pl.ready
	p, err := pl.take(false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer p.closeAll()
	if p != made {
		t.Fatal("the fork did not take the plumbing made ahead")
	}
	if n := testutil.FdCount(t, "self"); n != base+plumbingFds {
		t.Fatalf("taking what was made opened fds: %d, want %d", n, base+plumbingFds)
	}
	if pl.ready != nil {
		t.Fatal("the plumbing taken is still held")
	}
	pl.forked(false)
	if pl.wanted() {
		t.Fatal("a fork of a full node asked for proto-node plumbing")
	}
}

// A child that needs more than what is made ahead (a sync pipe, an error
// pipe) gets fresh plumbing, and what was made ahead stays for the next.
func TestPlumbingTakenOnlyWhenItFits(t *testing.T) {
	var pl plumbing
	defer pl.drop()
	pl.forked(true)
	pl.refill()
	made := pl.ready
	for _, c := range []struct{ userns, errPipe bool }{{true, false}, {false, true}} {
		p, err := pl.take(c.userns, c.errPipe)
		if err != nil {
			t.Fatal(err)
		}
		if p == made {
			t.Fatalf("userns %v, errPipe %v: took the plumbing made ahead", c.userns, c.errPipe)
		}
		if c.userns && p.syncR < 0 || c.errPipe && p.errR < 0 {
			t.Fatalf("userns %v, errPipe %v: a pipe is missing: %+v", c.userns, c.errPipe, p)
		}
		p.closeAll()
	}
	if pl.ready != made {
		t.Fatal("what was made ahead went")
	}
}

// drop closes what was made ahead, and nothing is made again until the
// next fork.
func TestPlumbingDropClosesFds(t *testing.T) {
	var pl plumbing
	base := testutil.FdCount(t, "self")
	pl.forked(true)
	pl.refill()
	pl.drop()
	if n := testutil.FdCount(t, "self"); n != base {
		t.Fatalf("after drop: %d fds, want %d", n, base)
	}
	if pl.wanted() {
		t.Fatal("plumbing wanted again after drop, before a fork")
	}
}
