package engine

import (
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// rootProcess is the root's process, the driver's child, which the driver
// waits for and may kill: a command it started (an executed root, or ssh
// for a remote one), or a proto-node it cloned. The clone is held by a
// pidfd of the driver's own, not an os.Process: the first os.Process of a
// program makes a child to probe the kernel's pidfd support (a clone, an
// exit and a reap, 0.1 ms), which would lie on the way of every start.
type rootProcess struct {
	path  string     // what was started, for errors
	pid   int        // in the driver's pid namespace
	cmd   *exec.Cmd  // a started command; else pidfd
	mu    sync.Mutex // guards pidfd: -1 once the root is reaped
	pidfd int
}

// clonedRoot holds the proto root pid, the driver's unreaped child (its
// pid cannot be reused before the driver reaps it).
func clonedRoot(path string, pid int) (*rootProcess, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, os.NewSyscallError("pidfd_open", err)
	}
	unix.CloseOnExec(fd)
	return &rootProcess{path: path, pid: pid, pidfd: fd}, nil
}

func startedRoot(cmd *exec.Cmd) *rootProcess {
	return &rootProcess{path: cmd.Path, pid: cmd.Process.Pid, cmd: cmd, pidfd: -1}
}

// wait reaps the root: its wait status, and an error that says how it
// ended unless it exited with status 0 (as exec.Cmd's Wait).
func (r *rootProcess) wait() (syscall.WaitStatus, error) {
	if r.cmd != nil {
		err := r.cmd.Wait()
		ws, _ := r.cmd.ProcessState.Sys().(syscall.WaitStatus)
		return ws, err
	}
	var info unix.Siginfo
	var rusage unix.Rusage
	for {
		err := unix.Waitid(unix.P_PIDFD, r.pidfd, &info, unix.WEXITED, &rusage)
		if err == unix.EINTR {
			continue
		}
		r.mu.Lock()
		unix.Close(r.pidfd)
		r.pidfd = -1
		r.mu.Unlock()
		if err != nil {
			return 0, os.NewSyscallError("waitid", err)
		}
		_, _, ws := builtins.ChildWaitStatus(&info)
		return syscall.WaitStatus(ws), waitError(syscall.WaitStatus(ws))
	}
}

// kill sends SIGKILL to the root, unless it has been reaped: a pid
// reused since gets nothing.
func (r *rootProcess) kill() {
	if r.cmd != nil {
		r.cmd.Process.Kill()
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pidfd >= 0 {
		unix.PidfdSendSignal(r.pidfd, unix.SIGKILL, nil, 0)
	}
}

// waitError words a wait status as exec.Cmd's Wait does, nil for exit
// status 0.
func waitError(ws syscall.WaitStatus) error {
	switch {
	case ws.Exited() && ws.ExitStatus() == 0:
		return nil
	case ws.Exited():
		return rootExitError("exit status " + strconv.Itoa(ws.ExitStatus()))
	case ws.Signaled():
		return rootExitError("signal: " + ws.Signal().String())
	}
	return rootExitError("wait status " + strconv.Itoa(int(ws)))
}

type rootExitError string

func (e rootExitError) Error() string { return string(e) }
