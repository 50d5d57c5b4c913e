package node

import (
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
)

// Limits for programs. RLIMIT_AS and RLIMIT_DATA bound a process's
// address space and data, and a node's Go runtime reserves more address
// space than it uses (about 1.2 GiB of it, for a few MiB resident): under
// a limit of 1 GiB set on itself, the node's next reservation failed and
// the runtime died ("fatal error: runtime: cannot allocate memory"). A
// limit set on a node is meant for the programs it runs, so the node keeps
// these two for them: getrlimit answers them, and they are applied just
// before each exec (the node's own execve or execvp, a forked proto-node's
// exec, a spawned program's), never to a Go runtime. A child node
// inherits them, as a child inherits limits. prlimit(2) from another
// process does not see them.

// isExecLimit says whether a resource is kept for programs.
func isExecLimit(res int) bool { return res == unix.RLIMIT_AS || res == unix.RLIMIT_DATA }

// SetExecRlimit implements builtins.Node. The checks are setrlimit(2)'s:
// cur above max is einval, raising max needs CAP_SYS_RESOURCE.
func (n *node) SetExecRlimit(res int, cur, max uint64) (bool, error) {
	if !isExecLimit(res) {
		return false, nil
	}
	old := n.rlimitFor(res)
	if cur > max {
		return true, os.NewSyscallError("setrlimit", unix.EINVAL)
	}
	if max > old.Max && !capable(unix.CAP_SYS_RESOURCE) {
		return true, os.NewSyscallError("setrlimit", unix.EPERM)
	}
	if n.execLimits == nil {
		n.execLimits = map[int]unix.Rlimit{}
	}
	n.execLimits[res] = unix.Rlimit{Cur: cur, Max: max}
	n.protoEnv = nil
	return true, nil
}

// ExecRlimit implements builtins.Node.
func (n *node) ExecRlimit(res int) (cur, max uint64, ok bool) {
	l, ok := n.execLimits[res]
	return l.Cur, l.Max, ok
}

// rlimitFor is the limit a program of the node would get.
func (n *node) rlimitFor(res int) unix.Rlimit {
	if l, ok := n.execLimits[res]; ok {
		return l
	}
	var l unix.Rlimit
	unix.Getrlimit(res, &l)
	return l
}

// applyExecLimits sets the limits for programs on the node just before
// its exec; undo puts the old ones back if the exec failed. It allocates
// nothing once the first limit is set: under RLIMIT_AS, an allocation
// that grew the Go heap would kill the node ("fatal error: runtime:
// cannot allocate memory", exit status 2) before its exec.
func (n *node) applyExecLimits() (undo func()) {
	type set struct {
		res      int
		lim, old unix.Rlimit
		done     bool
	}
	sets := make([]set, 0, len(n.execLimits))
	for _, res := range slices.Sorted(mapsKeys(n.execLimits)) {
		sets = append(sets, set{res: res, lim: n.execLimits[res]})
	}
	undo = func() {
		for i := range sets {
			if sets[i].done {
				unix.Prlimit(0, sets[i].res, &sets[i].old, nil)
			}
		}
	}
	for i := range sets {
		sets[i].done = unix.Prlimit(0, sets[i].res, &sets[i].lim, &sets[i].old) == nil
	}
	return undo
}

// protoExecLimits are the limits a forked proto-node applies at its exec.
func (n *node) protoExecLimits(env *proto.Env) {
	for _, res := range slices.Sorted(mapsKeys(n.execLimits)) {
		if env.NExecLimits < proto.MaxExecLimits {
			env.ExecLimits[env.NExecLimits] = proto.SpawnRlimit{Resource: uintptr(res), Lim: n.execLimits[res]}
			env.NExecLimits++
		}
	}
}

// spawnExecLimits adds the limits for programs to a spawn's, unless its
// options set the same resource.
func (n *node) spawnExecLimits(s *proto.SpawnArgs) {
	for _, res := range slices.Sorted(mapsKeys(n.execLimits)) {
		if !slices.ContainsFunc(s.Rlimits, func(r proto.SpawnRlimit) bool { return r.Resource == uintptr(res) }) {
			s.Rlimits = append(s.Rlimits, proto.SpawnRlimit{Resource: uintptr(res), Lim: n.execLimits[res]})
		}
	}
}

// execLimitsArg passes the limits to a child node: execlimits=9:CUR:MAX,…
func (n *node) execLimitsArg() []string {
	var parts []string
	for _, res := range slices.Sorted(mapsKeys(n.execLimits)) {
		l := n.execLimits[res]
		parts = append(parts, strconv.Itoa(res)+":"+strconv.FormatUint(l.Cur, 10)+":"+strconv.FormatUint(l.Max, 10))
	}
	if parts == nil {
		return nil
	}
	return []string{"execlimits=" + strings.Join(parts, ",")}
}

// parseExecLimits reads execLimitsArg's word.
func (n *node) parseExecLimits(s string) {
	for _, part := range strings.Split(s, ",") {
		f := strings.Split(part, ":")
		if len(f) != 3 {
			continue
		}
		res, err1 := strconv.Atoi(f[0])
		cur, err2 := strconv.ParseUint(f[1], 10, 64)
		max, err3 := strconv.ParseUint(f[2], 10, 64)
		if err1 == nil && err2 == nil && err3 == nil && isExecLimit(res) {
			if n.execLimits == nil {
				n.execLimits = map[int]unix.Rlimit{}
			}
			n.execLimits[res] = unix.Rlimit{Cur: cur, Max: max}
		}
	}
}

func mapsKeys(m map[int]unix.Rlimit) func(func(int) bool) {
	return func(yield func(int) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// capable says whether the node's effective set holds cap.
func capable(cap int) bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if unix.Capget(&hdr, &data[0]) != nil {
		return false
	}
	return data[cap/32].Effective&(1<<(cap%32)) != 0
}

var _ builtins.Node = (*node)(nil)
