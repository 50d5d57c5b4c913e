package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// A node serves calls on its main thread. If that thread dies while the
// rest of the process lives on (a seccomp filter's kill_thread action),
// the control socket stays open in the other threads and nothing would
// tell the driver: the call would wait for its deadline. So a caller
// whose reply is slow (past guardAfter) looks at the node's main thread
// every guardEvery while it waits (a read of /proc, for slow calls only:
// fast calls never pay for it), and when that thread is dead, kills what
// is left of the node (killRemains): its socket closes, and the call
// fails at once with node_exited. (A pidfd of the main thread, made with
// PIDFD_THREAD, did not become readable here while the other threads
// lived.)
const (
	guardAfter = 2 * time.Millisecond
	guardEvery = 10 * time.Millisecond
)

// checkMainThread kills the node if its main thread is dead while its
// other threads hold the socket open.
func (c *ctlConn) checkMainThread() {
	pid := int(c.pid.Load())
	if pid > 0 && threadState(pid) == 'Z' {
		killRemains(pid)
	}
}

// killRemains kills pid through a pidfd: the process is not reaped while
// its socket is open here (its parent reaps it only once it is gone), so
// the pid is still its.
func killRemains(pid int) bool { return pidfdKill(pid, nil) }

// pidfdKill kills pid with SIGKILL through a pidfd, if meant (nil: always)
// says, once the pidfd is open, that pid is still the process meant: the
// pidfd holds on to one process, which cannot leave its pid to another
// meanwhile.
func pidfdKill(pid int, meant func() bool) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	if meant != nil && !meant() {
		return false
	}
	return unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0) == nil
}

// callFailed names a call's failure: node_exited when the node ended
// during the call, timeout when it gave no reply in time.
func (e *Engine) callFailed(p *proc, c *builtins.Call, err error) error {
	switch {
	case errors.Is(err, errClosedOK):
		return fmt.Errorf("%s %s: %w: the node ended during the call (its end comes as an event of %s)%s",
			c.Name, p, builtins.ErrNodeExited, p, dynamicHint())
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s %s: %w: no reply in time%s: %w", c.Name, p, builtins.ErrTimeout, e.abandon(p), err)
	}
	return err
}

// abandon decides what becomes of a node whose call timed out, and says
// it. A node that is stopped or running will answer: it stays, its late
// reply is dropped, and later calls wait for it. A node asleep in a
// system call other than its wait for calls (a read of an empty fifo)
// may never come back: it is lost, and killed (its end comes as an
// event), so that it holds nothing and nobody waits on it.
func (e *Engine) abandon(p *proc) string {
	e.mu.Lock()
	pid := p.hostPid
	e.mu.Unlock()
	if pid <= 0 || !asleepInCall(pid) {
		return " (the node is still in the call: later calls to it wait until it is done)"
	}
	if !killRemains(pid) {
		return ""
	}
	return fmt.Sprintf(" (the node was blocked in the call, and is lost: killed, its end comes as an event of %s)", p)
}

// asleepInCall says whether pid's main thread sleeps in a system call
// other than the ones a node waits for its next call in.
func asleepInCall(pid int) bool {
	if st := threadState(pid); st != 'S' && st != 'D' {
		return false
	}
	sc, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/syscall")
	if err != nil {
		return false
	}
	f := strings.Fields(string(sc))
	if len(f) == 0 {
		return false
	}
	nr, err := strconv.Atoi(f[0])
	if err != nil {
		return false
	}
	switch nr {
	case unix.SYS_RECVMSG, unix.SYS_RECVFROM, sysEpollWait, unix.SYS_EPOLL_PWAIT, unix.SYS_EPOLL_PWAIT2:
		return false // waiting for its next call: the reply crossed the timeout
	}
	return true
}
