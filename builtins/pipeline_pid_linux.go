package builtins

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// pidOfPipeline finds the pid, as the node sees it, of the process at a
// pipeline relative to the node: [a] is its child a, [a b] the child that
// a sees as b (in a's pid namespace), and so on down. It reads the node's
// /proc, which must show the node's own pid namespace: each process's
// NSpid line lists its pid in that namespace first, then in each nested
// one.
func pidOfPipeline(pl []int) (int, error) {
	if len(pl) == 0 {
		return unix.Getpid(), nil
	}
	pid := pl[0]
	for i, next := range pl[1:] {
		depth, err := nsDepth(pid)
		if err != nil {
			return 0, err
		}
		child, err := childSeenAs(pid, depth, next)
		if err != nil {
			return 0, err
		}
		if child == 0 {
			return 0, fmt.Errorf("pipeline %s: %d has no child %d", Format(intList(pl)), pl[i], next)
		}
		pid = child
	}
	return pid, nil
}

func intList(pl []int) []any {
	out := make([]any, len(pl))
	for i, p := range pl {
		out[i] = int64(p)
	}
	return out
}

// nspid reads a process's NSpid line: its pid in each pid namespace from
// the node's down to its own.
func nspid(pid int) ([]int, error) {
	b, err := kernelCgroupfs{}.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "NSpid:"); ok {
			var out []int
			for _, f := range strings.Fields(v) {
				n, err := strconv.Atoi(f)
				if err != nil {
					return nil, fmt.Errorf("/proc/%d/status: NSpid %q", pid, v)
				}
				out = append(out, n)
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("/proc/%d/status has no NSpid line", pid)
}

func nsDepth(pid int) (int, error) {
	ns, err := nspid(pid)
	return len(ns), err
}

// childSeenAs finds the child of parent whose pid in parent's namespace
// (the depth-th of its NSpid) is want; 0 when none is.
func childSeenAs(parent, depth, want int) (int, error) {
	tasks, err := kernelCgroupfs{}.ReadDir(fmt.Sprintf("/proc/%d/task", parent))
	if err != nil {
		return 0, err
	}
	for _, t := range tasks {
		b, err := kernelCgroupfs{}.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", parent, t.Name))
		if err != nil {
			continue // the thread ended meanwhile
		}
		for _, f := range strings.Fields(string(b)) {
			c, _ := strconv.Atoi(f)
			if ns, err := nspid(c); err == nil && len(ns) >= depth && ns[depth-1] == want {
				return c, nil
			}
		}
	}
	return 0, nil
}
