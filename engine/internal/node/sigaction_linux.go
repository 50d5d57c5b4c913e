package node

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
)

// sigState is what sigaction changed from a node's defaults: the
// caughtSignals reported as events (sig_info), SIGCHLD reaped (sig_dfl),
// the kernel's default action for the others.
type sigState struct {
	actions map[int]string // signals whose action is not the default
}

// runtimeSignal: the Go runtime of a node needs its own handler for these
// (faults, preemption, profiling, the setxid broadcast), and the kernel
// lets nobody change SIGKILL and SIGSTOP.
func runtimeSignal(sig syscall.Signal) bool {
	switch sig {
	case unix.SIGKILL, unix.SIGSTOP, unix.SIGILL, unix.SIGTRAP, unix.SIGBUS, unix.SIGFPE,
		unix.SIGSEGV, unix.SIGSTKFLT, unix.SIGURG, unix.SIGPROF, unix.SIGSYS:
		return true
	}
	return sig >= 32 && sig <= 34
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
	case runtimeSignal(sig):
		return fmt.Errorf("sigaction %s: its action cannot change (the kernel's or the Go runtime's): %w",
			builtins.SignalName(int(sig)), unix.EINVAL)
	case sig == unix.SIGCHLD:
		return n.setSigchld(action)
	case action == "sig_info":
		return proto.SetDisposition(sig, proto.DispCatch)
	case action == "sig_ign":
		return proto.SetDisposition(sig, proto.DispIgnore)
	}
	return proto.SetDisposition(sig, proto.DispDefault)
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
