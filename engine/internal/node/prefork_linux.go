package node

import (
	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
)

// Option prefork: a node keeps one child node booted and waiting, and a
// fork hands it over at once instead of starting a Go runtime (which costs
// milliseconds, mostly page faults, on a VM). The spare was spawned
// earlier, so it is a faithful fork only while the node has changed
// nothing a child inherits: every call not marked Pure in the table, and
// every setopt, discards it. What other processes change in the node
// (moving it to another cgroup, prlimit(2) on it) does not: that is why
// prefork is off by default.
//
// The spare is made with the clone flags of the node's last fork or clone
// (without user namespace maps): a child in fresh namespaces made earlier
// is as good as one made now.
type spare struct {
	pid   int
	flags uintptr
	pipes spawnPipes // the parent-side ends stay open
}

// takeSpare hands the spare over as the result of a fork or clone with
// these flags, if there is one made with them.
func (n *node) takeSpare(flags uintptr) *builtins.Spawned {
	s := n.spare
	if s == nil || s.flags != flags {
		return nil
	}
	n.spare = nil
	n.children[s.pid] = &child{lifeW: s.pipes.lifeW}
	return &builtins.Spawned{Pid: s.pid, Fds: s.pipes.nodeFds()}
}

// refillSpare starts a new spare when the option asks for one and the node
// has forked before (spareFlags: the last fork's flags, -1 for none) (a sandboxed node that only execs keeps none, and
// spends none of its RLIMIT_NPROC on one). The loop calls it once the
// calls at hand are answered.
func (n *node) refillSpare() {
	n.refillPlumbing()
	if n.spare != nil || n.spareFlags < 0 || n.opts[builtins.OptPrefork] == 0 || !n.canFork() {
		return
	}
	var p spawnPipes
	if err := p.openNode(false, true); err != nil {
		p.closeAll()
		return
	}
	flags := uintptr(n.spareFlags)
	pid, err := n.spawn(&p, flags, nil)
	p.closeChildEnds()
	if err != nil {
		p.closeParentEnds()
		return
	}
	n.spare = &spare{pid: pid, flags: flags, pipes: p}
}

// dropSpare ends the spare: closing its lifeline makes it exit, and the
// node reaps it without an event (it was never a child the driver knew).
func (n *node) dropSpare() {
	n.plumbing.drop()
	if n.spare == nil {
		return
	}
	n.spare.pipes.closeParentEnds()
	n.discarded[n.spare.pid] = true
	n.spare = nil
}

// keepSpareAcross says whether a call leaves the spare a faithful fork.
func keepSpareAcross(c *builtins.Call) bool {
	return c.Pure || c.Name == "fork" || c.Name == "clone"
}

func (n *node) canFork() bool {
	return n.depth < int(n.opts[builtins.OptMaxForkDepth]) && len(n.children) < int(n.opts[builtins.OptMaxChild])
}

// wasSpare reports (and forgets) a reaped pid that was a discarded spare.
func (n *node) wasSpare(pid int) bool {
	if n.discarded[pid] {
		delete(n.discarded, pid)
		return true
	}
	return false
}

// refillPlumbing makes the plumbing of the next fork (see plumbing) when
// a fork of this kind may come: no clone_newuser, proto-nodes, room for a
// child.
func (n *node) refillPlumbing() {
	if !n.plumbing.wanted() || n.spareFlags < 0 || n.spareFlags&unix.CLONE_NEWUSER != 0 || !proto.Supported || !n.canFork() {
		return
	}
	n.plumbing.refill()
}
