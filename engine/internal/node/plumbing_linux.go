package node

// plumbing is the fds of a node's next proto-node child, made ahead. A
// node that has forked a proto-node keeps the next one's ready (its
// socketpair, four pipes and bell), made once the calls at hand are
// answered, while the last child runs; a fork then makes none on its way:
// 7 syscalls, which under perf were 44 of the 114 µs the root spent in
// Spawn. With the proto-node's longer first spin, it took a fork from 239
// to 193 µs and the exec call that follows from 274 to 215 µs (8
// interleaved rounds of fork+execvp+exit).
//
// Unlike the prefork spare this is always on: fds carry nothing of the
// node's state a child inherits. They are let go of with the spare all
// the same, so that a call that lowers RLIMIT_NOFILE makes the next fork
// fail as it would have. They are made again only after a fork (ahead):
// a node that forked once and then served other calls made them after
// each call and let them go at the next, 18 syscalls a call.
type plumbing struct {
	ready *spawnPipes // made ahead; nil for none
	ahead bool        // a proto-node's fork was the last call that changed anything
}

// forked notes a fork, after which the next is made ahead if that fork
// made a proto-node (its plumbing is the one made ahead).
func (pl *plumbing) forked(proto bool) { pl.ahead = proto }

// wanted: a fork asked for the next plumbing, which is not made yet.
func (pl *plumbing) wanted() bool { return pl.ready == nil && pl.ahead }

// refill makes the next fork's plumbing. A failure (no fds left) makes
// none: the fork tries again, and fails as it would have.
func (pl *plumbing) refill() {
	p := new(spawnPipes)
	if err := p.openNode(false, false); err != nil {
		p.closeAll()
		return
	}
	pl.ready = p
}

// take hands over the plumbing made ahead, or makes it now: a child with
// clone_newuser (a sync pipe) or one that execs at once (an error pipe)
// needs more than what is made ahead.
func (pl *plumbing) take(userns, errPipe bool) (*spawnPipes, error) {
	if p := pl.ready; p != nil && !userns && !errPipe {
		pl.ready = nil
		return p, nil
	}
	p := new(spawnPipes)
	if err := p.openNode(userns, errPipe); err != nil {
		p.closeAll()
		return nil, err
	}
	return p, nil
}

// drop lets go of what was made ahead, and makes nothing until the next
// fork.
func (pl *plumbing) drop() {
	pl.ahead = false
	if pl.ready != nil {
		pl.ready.closeAll()
		pl.ready = nil
	}
}
