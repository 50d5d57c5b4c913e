package engine

import "golang.org/x/sys/unix"

// End ends the tree at once, for a driver that is done with it and about
// to exit (alsh box, once its program's exit status is known): every
// process of the tree gets SIGKILL, so that none runs again, and End
// returns without waiting for the kernel to finish their exits. A
// sandbox's pid 1 takes the kernel about 0.3 ms to tear down (its mount
// namespace's mounts, its network namespace), which bwrap does not wait
// for either: its pid 1 writes the program's status, and bwrap exits.
// Close waits for that, as a tree's programs may need their grace
// (signaloneof); End gives none.
//
// The processes are found from the root down through the kernel's lists
// of children (/proc/PID/task/TID/children), the root last: it is the
// tree's subreaper, so an orphan of a process killed meanwhile lands
// there, where the next look finds it; a process killed can fork no more.
// Where the root is not a local process without a wrapper, or the kernel
// keeps no such lists, End is Close. Close after End does nothing.
func (e *Engine) End() error {
	rootPid := e.localRootPid()
	if rootPid <= 0 || !killBelow(rootPid) {
		return e.Close()
	}
	unix.Kill(rootPid, unix.SIGKILL)
	return e.close(false)
}

// localRootPid is the root's pid where End may walk its tree: a local
// root started without a wrapper, not yet closed; else 0.
func (e *Engine) localRootPid() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.remote != nil || len(e.opts.Exec) > 0 || e.rootProc == nil {
		return 0
	}
	return e.rootProc.pid
}

// killBelow kills every descendant of pid with SIGKILL, looking again
// until a look finds none it has not killed: a process killed may have
// left orphans with pid (a subreaper) before its children were read. It
// says false, having killed nothing, when the kernel keeps no lists of
// children.
func killBelow(pid int) bool {
	if unix.Access(childrenFile(pid, pid), unix.R_OK) != nil {
		return false
	}
	killed := map[int]bool{}
	for {
		found := false
		for queue := []int{pid}; len(queue) > 0; queue = queue[1:] {
			for _, child := range kernelChildren(queue[0]) {
				if !killed[child] {
					killChild(queue[0], child) // before its children are read: it forks no more
					killed[child], found = true, true
				}
				queue = append(queue, child)
			}
		}
		if !found {
			return true
		}
	}
}

// killChild kills child, listed as parent's, through a pidfd: a child
// that ended and was reaped since the list was read may have left its
// pid to another process, which must not get the signal. Once the pidfd
// is open, a pid still parent's child is the process listed (or the
// pidfd's has ended, and the signal goes nowhere).
func killChild(parent, child int) {
	pidfdKill(child, func() bool { return parentOf(child) == parent })
}
