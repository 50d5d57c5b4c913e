package node

import (
	"os"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/proto"
)

// The root started as a proto-node: the driver forks it (clone3 with
// CLONE_VM, as a node forks its children) instead of executing the alsh
// binary, so that a run whose root makes only runtime-free calls (`alsh
// -c 'getpid []'`, and the forks of `alsh box`) starts one Go runtime,
// the driver's, not two. At its first other call the root boots into a
// node with root's argv word, which then is the root as if the driver
// had executed it. The driver's side is engine.startProtoRoot.

// RootEnv is what the root proto-node reads and boots with: the argv of
// a root node (depth 0, the default options, the root word), the signals
// a node catches from its start, and the node's environments.
func RootEnv() *proto.Env {
	n := &node{opts: DefaultOpts(), depth: -1, children: map[int]*child{}, lifeline: -1}
	var caught uint64
	for _, sig := range caughtSignals {
		caught |= 1 << (sig - 1)
	}
	env := n.newProtoEnv(caught)
	env.RootArg = len(env.Argv) - 2
	env.Argv = slices.Insert(env.Argv, env.RootArg, proto.RootWord) // before proto and adopt
	env.AdoptArg = len(env.Argv) - 1
	return env
}

// OpenImage opens the alsh binary as the nodes execute it (image_linux.go):
// through a read-only mount, whose clone's fd (tree) the caller closes
// before any node runs, which puts the mount in no namespace. An error
// where the driver may not mount: the root is then executed, and makes
// its sealed copy.
func OpenImage() (img, tree int, err error) {
	exe, err := unix.Open("/proc/self/exe", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, -1, &os.PathError{Op: "open", Path: "/proc/self/exe", Err: err}
	}
	defer unix.Close(exe)
	return imageAndTree(exe)
}

// SpinWorthIt says whether a node, and so the root proto-node, spins for
// its next call (more than one CPU).
func SpinWorthIt() bool { return spinWorthIt() }
