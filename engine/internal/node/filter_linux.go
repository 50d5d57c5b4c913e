package node

import (
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// The call filter (alcove §3.7): a deny set for the node itself and one
// its later children start with, as both of theirs. Both only grow.
type callFilter struct {
	deny      map[string]bool
	childDeny map[string]bool
}

// checkFilter fails a call the node's filter denies.
func (n *node) checkFilter(name string) error {
	if n.filter.deny[name] {
		return &builtins.FilteredError{Call: name}
	}
	return nil
}

// Filter implements builtins.Node.
func (n *node) Filter(self, children []string) error {
	f := &n.filter
	if f.deny == nil {
		f.deny, f.childDeny = map[string]bool{}, map[string]bool{}
	}
	for _, c := range self {
		f.deny[c] = true
	}
	for _, c := range children {
		f.childDeny[c] = true
	}
	return nil
}

// inheritArgs is what a child node receives in argv besides its options:
// its filter and the signal actions it inherits.
func (n *node) inheritArgs() []string {
	var args []string
	if len(n.filter.childDeny) > 0 {
		names := slices.Sorted(maps.Keys(n.filter.childDeny))
		args = append(args, "filter="+strings.Join(names, ","))
	}
	if s := n.sigs.arg(); s != "" {
		args = append(args, "sigs="+s)
	}
	if n.noSpin {
		args = append(args, NoSpinWord)
	}
	return append(args, n.execLimitsArg()...)
}

// applyInherited sets up what inheritArgs passed, once signals are set up.
func (n *node) applyInherited(kv bootWords) {
	if s := kv.value("filter"); s != "" {
		names := strings.Split(s, ",")
		n.Filter(names, names)
	}
	for _, f := range strings.Split(kv.value("sigs"), ",") {
		num, action, ok := strings.Cut(f, ":")
		sig, err := strconv.Atoi(num)
		if ok && err == nil {
			n.Sigaction(sig, action)
		}
	}
}

// SetChildSignal implements builtins.Node: setcpid signaloneof.
func (n *node) SetChildSignal(pid int, sig int64) error {
	c, ok := n.children[pid]
	if !ok {
		return os.NewSyscallError("setcpid", unix.ESRCH)
	}
	if sig < 0 || sig > 64 {
		return &builtins.ArgError{Call: "setcpid", N: 3, Name: "value", Msg: "want a signal number, 0 for none"}
	}
	c.sig, c.sigSet = sig, true
	return nil
}

// childSignal is the signal a child gets when the node ends.
func (n *node) childSignal(c *child) syscall.Signal {
	if c.sigSet {
		return syscall.Signal(c.sig)
	}
	return syscall.Signal(n.opts[builtins.OptSignalOnEOF])
}
