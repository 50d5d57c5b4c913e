package seccomp

import "fmt"

// ActionKind is what a filter does with a syscall.
type ActionKind int

const (
	Allow       ActionKind = iota // run it
	Errno                         // fail it with Action.Errno
	KillProcess                   // kill the whole process (SIGSYS)
	KillThread                    // kill the calling thread
	Log                           // run it and log it (audit)
)

// Return values of a seccomp filter (<linux/seccomp.h>).
const (
	retKillProcess = 0x80000000
	retKillThread  = 0x00000000
	retErrno       = 0x00050000
	retLog         = 0x7ffc0000
	retAllow       = 0x7fff0000
)

var actionNames = map[ActionKind]string{Allow: "allow", Errno: "errno", KillProcess: "kill_process",
	KillThread: "kill_thread", Log: "log"}

// Action is one action: a kind, and for Errno the errno (ErrnoName, when
// set, is how disassembly shows it).
type Action struct {
	Kind      ActionKind
	Errno     uint16
	ErrnoName string
}

// ret is the filter's return value for the action.
func (a Action) ret() uint32 {
	switch a.Kind {
	case Errno:
		return retErrno | uint32(a.Errno)
	case KillProcess:
		return retKillProcess
	case KillThread:
		return retKillThread
	case Log:
		return retLog
	}
	return retAllow
}

func (a Action) String() string {
	if a.Kind != Errno {
		return actionNames[a.Kind]
	}
	if a.ErrnoName != "" {
		return "errno " + a.ErrnoName
	}
	return fmt.Sprintf("errno %d", a.Errno)
}

// refusedActions are the actions a policy may not use, and why; a
// function, which a node's start does not call.
func refusedActions() map[string]string {
	return map[string]string{
		"trap":       "a node's Go runtime treats a seccomp SIGSYS as fatal, so trap would kill the node rather than let it handle the signal; use errno or kill_process",
		"trace":      "it needs a ptrace tracer attached with PTRACE_O_TRACESECCOMP, which a sandbox does not have; without one the kernel fails the syscall with enosys",
		"notify":     "it needs a supervisor listening on the filter's notification fd, which alsh does not provide",
		"user_notif": "it needs a supervisor listening on the filter's notification fd, which alsh does not provide",
	}
}

// RefusedAction says why an action is refused, or "" if it is not.
func RefusedAction(name string) string { return refusedActions()[name] }

// ActionNames are the actions a policy may use.
func ActionNames() []string { return []string{"allow", "errno", "kill_process", "kill_thread", "log"} }

// ParseActionKind reads an action's name.
func ParseActionKind(name string) (ActionKind, error) {
	if why := refusedActions()[name]; why != "" {
		return 0, fmt.Errorf("action %s is refused: %s", name, why)
	}
	for k, n := range actionNames {
		if n == name {
			return k, nil
		}
	}
	return 0, unknown("action", name, append(ActionNames(), "trap", "trace"))
}

// Op compares a syscall argument with a value.
type Op int

const (
	Eq       Op = iota // arg == Value
	Ne                 // arg != Value
	Lt                 // arg < Value (unsigned, 64-bit)
	Le                 // arg <= Value
	Gt                 // arg > Value
	Ge                 // arg >= Value
	MaskedEq           // arg & Mask == Value
)

var opNames = []string{"eq", "ne", "lt", "le", "gt", "ge", "masked_eq"}

func (o Op) String() string { return opNames[o] }

// ParseOp reads an operator's name (eq, ne, lt, le, gt, ge, masked_eq).
func ParseOp(name string) (Op, error) {
	for i, n := range opNames {
		if n == name {
			return Op(i), nil
		}
	}
	return 0, unknown("operator", name, opNames)
}

// Cond is a condition on one of a syscall's six arguments.
type Cond struct {
	Arg   int // 0 to 5
	Op    Op
	Value uint64
	Mask  uint64 // for MaskedEq
}

// Rule gives an action to syscalls, when all its conditions hold.
type Rule struct {
	Syscalls []string // names or @groups
	Conds    []Cond
	Action   Action
}

// Policy is a whole filter. A syscall named by several rules is checked
// against its conditional rules first, in order, then takes the action
// of the first rule without conditions that names it; a syscall no rule
// names, or whose conditions all fail, takes Default.
type Policy struct {
	Default Action
	Rules   []Rule
	// IgnoreUnknown skips syscall names x86_64 does not have (Docker's
	// profiles name chown32, _llseek…) rather than failing; Program.Skipped
	// lists them.
	IgnoreUnknown bool
}
