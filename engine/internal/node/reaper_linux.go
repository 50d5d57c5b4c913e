package node

import (
	"bytes"
	"errors"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// The root node is the tree's subreaper (PR_SET_CHILD_SUBREAPER): a
// process below it whose parent dies is reparented to the root, not to
// init, so a program that double-forks and ignores SIGTERM and SIGHUP is
// still the root's to end. When its driver goes away, however it went
// (Close, a signal, kill -9), the root ends every process below it and
// exits only once none is left (endSubtree).

// subtreeGrace is how long the processes below the root have, after
// signaloneof, to end on their own before they are killed. The driver's
// Close waits for the root longer than this (engine.rootGrace).
const subtreeGrace = time.Second

// becomeSubreaper makes the root the reaper of its orphaned descendants,
// and opens /proc for endSubtree, which must find them after a chroot of
// the root as well. The flag stays if the root execs a program.
func (n *node) becomeSubreaper() {
	unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	fd, err := unix.Open("/proc", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == nil {
		n.procfd = fd
	}
}

// endSubtree waits up to subtreeGrace for the root's descendants to end,
// reaping them, then kills with SIGKILL each child it still has (orphans
// adopted meanwhile included) and reaps them, round after round, until
// the kernel says it has no child left.
func (n *node) endSubtree(grace time.Duration) {
	deadline := time.Now().Add(grace)
	for pause := reapPauseMin; time.Now().Before(deadline); pause = min(2*pause, reapPauseMax) {
		if !reapEnded() {
			return
		}
		time.Sleep(pause)
	}
	for {
		kids := n.childPids()
		for _, pid := range kids {
			unix.Kill(pid, unix.SIGKILL)
		}
		for _, pid := range kids {
			waitChild(pid)
		}
		if !reapEnded() {
			return
		}
		if len(kids) == 0 { // without /proc, only their own end can come
			if time.Since(deadline) > grace {
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// The pauses between endSubtree's looks for ended children grow from
// reapPauseMin to reapPauseMax: a tree told to end (signaloneof) is
// mostly gone within a few hundred µs, and a first pause of 2 ms held
// every run of alsh box, and the driver's Close, that long after.
const (
	reapPauseMin = 50 * time.Microsecond
	reapPauseMax = 2 * time.Millisecond
)

// reapEnded reaps every child that has ended; false once none is left.
func reapEnded() bool {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG|unix.WALL, nil)
		switch {
		case errors.Is(err, unix.EINTR):
		case errors.Is(err, unix.ECHILD):
			return false
		case err != nil || pid == 0:
			return true
		}
	}
}

func waitChild(pid int) {
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(pid, &ws, unix.WALL, nil); !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

// childPids lists the processes whose parent is this one, from /proc
// (this kernel has no /proc/PID/task/TID/children).
func (n *node) childPids() []int {
	dir := n.procfd
	if dir < 0 || unix.Fstat(dir, &unix.Stat_t{}) != nil {
		fd, err := unix.Open("/proc", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil
		}
		defer unix.Close(fd)
		dir = fd
	}
	self := unix.Getpid()
	var kids []int
	forEachPid(dir, func(pid int) {
		if pid != self && parentOf(dir, pid) == self {
			kids = append(kids, pid)
		}
	})
	return kids
}

// forEachPid calls f with each pid listed in the /proc open as dir.
func forEachPid(dir int, f func(int)) {
	unix.Seek(dir, 0, 0)
	buf := make([]byte, 32<<10)
	for {
		m, err := unix.Getdents(dir, buf)
		if err != nil || m <= 0 {
			return
		}
		_, _, names := unix.ParseDirent(buf[:m], -1, nil)
		for _, name := range names {
			if pid, err := strconv.Atoi(name); err == nil {
				f(pid)
			}
		}
	}
}

// parentOf reads the ppid field of /proc/PID/stat (the fourth, after the
// command name in parentheses, which may hold anything); -1 if gone.
func parentOf(dir, pid int) int {
	fd, err := unix.Openat(dir, strconv.Itoa(pid)+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	defer unix.Close(fd)
	var b [512]byte
	m, err := unix.Read(fd, b[:])
	if err != nil || m <= 0 {
		return -1
	}
	s := b[:m]
	i := bytes.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := bytes.Fields(s[i+1:]) // state, ppid, …
	if len(f) < 2 {
		return -1
	}
	ppid, err := strconv.Atoi(string(f[1]))
	if err != nil {
		return -1
	}
	return ppid
}
