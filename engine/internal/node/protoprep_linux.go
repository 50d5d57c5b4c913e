package node

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
	"github.com/alsh/alsh/engine/internal/wire"
)

// The node's side of a proto-node child: the state it prepares, the
// fork, and the state it takes back.

// prepareProto fills the parent's proto.State for the next fork.
//
// A child of cloneVM uses its state in place until it is reaped: each has
// its own, from a free list the node refills as it reaps them. What no
// child writes (proto.Env: environments, PATH, signal events, the calls it
// serves) is shared, made again after any call that may change it (n.call
// drops it with the prefork spare).
func (n *node) prepareProto() *proto.State {
	var ps *proto.State
	if k := len(n.freeProtos); k > 0 {
		ps, n.freeProtos = n.freeProtos[k-1], n.freeProtos[:k-1]
	} else {
		ps = new(proto.State)
	}
	if n.protoEnv == nil {
		n.protoEnv = n.newProtoEnv(proto.Caught())
	}
	ps.Load(n.protoEnv, n.spin)
	return ps
}

// newProtoEnv builds the proto.Env: what proto-node children read and never write, and the
// argv a proto-node boots with (childArgv: each word changes only by a
// call that drops the proto.Env; the nofile word is rewritten at the boot
// anyway). Building it for every fork took 14 of the node's 101 µs in a
// fork (perf, one CPU), a getrlimit included.
func (n *node) newProtoEnv(caught uint64) *proto.Env {
	argv := append(n.childArgv(), protoWord, proto.AdoptWord)
	env := &proto.Env{Argv: argv, NofileArg: argNofile, CarriedArg: argCarried, NodeEnv: proto.CStrings(ChildEnv()), UserEnv: proto.CStrings(os.Environ()),
		Path: proto.AbsolutePath(os.Getenv("PATH")), DepthArg: argDepth, AdoptArg: len(argv) - 1}
	n.protoForkEnv(env)
	env.Caught = caught
	n.protoExecLimits(env)
	for name, op := range proto.Calls() {
		c, _ := builtins.Lookup(name)
		if !n.filter.childDeny[name] { // the child's filter (inheritArgs), not ours
			env.Ops[c.Number()] = op
		}
	}
	// The events a proto-node sends for the signals it catches, as the
	// node would (SIGCHLD only under sigaction sigchld sig_info: the
	// reaping of its children is protoReap's, which needs no event).
	for sig := 1; sig <= 64; sig++ {
		if caught&(1<<(sig-1)) == 0 || (syscall.Signal(sig) == unix.SIGCHLD && !n.sigs.sigchldInfo()) {
			continue
		}
		off := len(env.SigEvents)
		env.SigEvents = wire.AppendStringRecord(wire.PutHeader(env.SigEvents, wire.MsgEvent, 0), "signal", builtins.SignalName(sig))
		env.SigEvent[sig] = [2]uint16{uint16(off), uint16(len(env.SigEvents) - off)}
	}
	return env
}

// protoForkEnv gives a proto-node what its own forks need (protofork_linux.go
// in package proto): the options they follow, and the termsig
// and stopsig events' records, as the node's childExited words them.
func (n *node) protoForkEnv(env *proto.Env) {
	env.MaxForkDepth, env.MaxChild = n.opts[builtins.OptMaxForkDepth], n.opts[builtins.OptMaxChild]
	env.ExitStatus, env.Termsig = n.opts[builtins.OptExitStatus] != 0, n.opts[builtins.OptTermsig] != 0
	r := childRecords()
	env.ChildRecs, env.TermRec, env.StopRec = r.recs, r.term, r.stop
}

// childRecs are the records of a child's termsig and stopsig events by
// signal, which depend on nothing a node changes: made once, at the
// first proto.Env, not at each (a call that changes what a child
// inherits makes the next).
type childRecs struct {
	recs       []byte
	term, stop [65][2]uint16
}

var childRecords = sync.OnceValue(func() *childRecs {
	r := &childRecs{}
	for sig := 1; sig <= 64; sig++ {
		for _, k := range []struct {
			key string
			at  *[65][2]uint16
		}{{"termsig", &r.term}, {"stopsig", &r.stop}} {
			off := len(r.recs)
			r.recs = wire.AppendStringRecord(r.recs, k.key, builtins.SignalName(sig))
			k.at[sig] = [2]uint16{uint16(off), uint16(len(r.recs) - off)}
		}
	}
	return r
})

// adopt takes as its children those its proto-node forked (the adopt=
// word: pid:lifeline fd slots, 0 for none), as if it had forked them.
func (n *node) adopt(word string) {
	for rest := word; rest != ""; { // no strings.Split: its slice alone took a span (a node's memory)
		var slot string
		slot, rest, _ = strings.Cut(rest, ",")
		p, f, _ := strings.Cut(slot, ":")
		pid, _ := strconv.Atoi(p)
		fd, err := strconv.Atoi(f)
		if pid <= 0 || err != nil {
			continue
		}
		unix.CloseOnExec(fd)
		n.children[pid] = &child{lifeW: fd}
	}
}

// recycleProto takes back the state of a reaped proto-node child.
func (n *node) recycleProto(c *child) {
	if c.proto != nil {
		n.freeProtos = append(n.freeProtos, c.proto)
	}
}

// protoWord tells a node that it was a proto-node, which said ready.
const protoWord = "proto"

// nofileArg passes RLIMIT_NOFILE's soft limit to a child node (argv
// word argNofile), 20 digits wide, so that a proto-node can rewrite it in
// place before it boots.
func nofileArg() string {
	s := "00000000000000000000" + itoa(int(currentNofile()))
	return "nofile=" + s[len(s)-20:]
}

// forkProto forks a proto-node child with the pipes in p. With cloneVM,
// the child shares the parent's memory until it execs and uses ps in
// place: the parent keeps ps (returned) until the child is reaped. With
// clone_newuser and maps (p's sync pipe), the child waits while the parent
// writes them, then takes the first inside ids (proto's protoTakeIDs); a
// map the kernel refuses kills it, and the clone fails with the write's
// error.
func (n *node) forkProto(p *spawnPipes, flags uintptr, maps builtins.Record) (int, *proto.State, error) {
	n.ensureExe()
	ps := n.prepareProto()
	pid, errno := ps.Fork(proto.SpawnArgs{
		Fds:       [proto.NSpawnFds]int{p.stdinR, p.stdoutW, p.stderrW, p.ctlChild, p.lifeR, proto.FdExe, p.bell},
		ErrPipe:   -1,
		Flags:     flags,
		Pdeathsig: uintptr(unix.SIGKILL),
		SyncR:     p.syncR,
		SyncW:     p.syncW,
		Uid:       firstInsideID(maps, "uid"),
		Gid:       firstInsideID(maps, "gid"),
	})
	if errno != 0 {
		n.freeProtos = append(n.freeProtos, ps)
		return 0, nil, os.NewSyscallError(cloneName(flags), errno)
	}
	if p.syncW < 0 {
		return pid, ps, nil
	}
	err := writeIDMaps(pid, maps)
	if err != nil {
		unix.Kill(pid, unix.SIGKILL) // before the child goes on
		reapNow(pid)
		closeFds(&p.syncW)
		n.freeProtos = append(n.freeProtos, ps)
		return 0, nil, err
	}
	closeFds(&p.syncW) // the child goes on
	return pid, ps, nil
}
