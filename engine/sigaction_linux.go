package engine

import (
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// sigState is what sigaction changed from a node's defaults: every
// catchable signal reported as an event (sig_info), SIGCHLD reaped
// (sig_dfl). Go owns the real handlers, so actions go through os/signal:
// Notify for sig_info, Ignore for sig_ign, Reset for sig_dfl. sig_dfl is
// Go's default, not the kernel's: SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGABRT
// and the like end the process, but SIGUSR1, SIGUSR2, SIGWINCH and other
// signals Go knows no use for are dropped.
type sigState struct {
	ch      chan os.Signal
	actions map[int]string // signals whose action is not the default
}

// defaultAction is a signal's action when the node starts: reported as
// an event for caughtSignals (SIGCHLD is reaped), the default for others.
func defaultAction(sig int) string {
	if caughtAtStart(sig) && syscall.Signal(sig) != unix.SIGCHLD {
		return "sig_info"
	}
	return "sig_dfl"
}

func (s *sigState) action(sig int) string {
	if a, ok := s.actions[sig]; ok {
		return a
	}
	return defaultAction(sig)
}

// sigchldInfo: SIGCHLD is reported as an event and children are left for
// waitpid (alcove's virtual SIGCHLD).
func (s *sigState) sigchldInfo() bool { return s.action(int(unix.SIGCHLD)) == "sig_info" }

// arg renders the changed actions for a child's argv: 15:sig_ign,17:sig_info.
func (s *sigState) arg() string {
	var parts []string
	for sig, a := range s.actions {
		parts = append(parts, strconv.Itoa(sig)+":"+a)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Sigaction implements builtins.Node.
func (n *node) Sigaction(sig int, action string) (string, error) {
	if sig <= 0 || sig >= 65 {
		return "", os.NewSyscallError("sigaction", unix.EINVAL)
	}
	old := n.sigs.action(sig)
	if action == "" || action == old {
		return old, nil
	}
	if err := n.setSigAction(syscall.Signal(sig), action); err != nil {
		return "", err
	}
	if n.sigs.actions == nil {
		n.sigs.actions = map[int]string{}
	}
	n.sigs.actions[sig] = action
	if action == defaultAction(sig) {
		delete(n.sigs.actions, sig)
	}
	return old, nil
}

func (n *node) setSigAction(sig syscall.Signal, action string) error {
	switch {
	case sig == unix.SIGKILL || sig == unix.SIGSTOP || sig == unix.SIGURG:
		// SIGKILL and SIGSTOP cannot change; SIGURG is Go's preemption.
		return os.NewSyscallError("sigaction", unix.EINVAL)
	case sig == unix.SIGCHLD:
		return n.setSigchld(action)
	case action == "sig_info":
		signal.Notify(n.sigs.ch, sig)
	case action == "sig_ign":
		signal.Ignore(sig)
	default:
		// Notify first: after Ignore, Reset alone would leave SIG_IGN.
		signal.Notify(n.sigs.ch, sig)
		signal.Reset(sig)
	}
	return nil
}

// setSigchld switches between reporting and reaping. SIGCHLD stays
// caught either way (the node must see its children exit); sig_ign is
// refused, as the kernel would then reap behind the node's back.
func (n *node) setSigchld(action string) error {
	switch action {
	case "sig_ign":
		return os.NewSyscallError("sigaction", unix.EINVAL)
	case "sig_dfl":
		defer n.reap()
	}
	return nil
}

// onSigchld handles SIGCHLD: reap, or report it when sigaction asked.
func (n *node) onSigchld() {
	if n.sigs.sigchldInfo() {
		n.event(0, builtins.Record{"signal": "sigchld"})
		return
	}
	n.reap()
}
