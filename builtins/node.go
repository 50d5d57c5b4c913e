package builtins

import "fmt"

// Node is what a call's implementation may ask of the node it runs in:
// the parts of a call that touch the node's own state rather than only the
// kernel. The engine's node event loop implements it.
type Node interface {
	// Spawn creates a child node with clone flags (0 for fork). Maps, for
	// clone_newuser, holds uid_map/gid_map lines: {uid: "0 1000 1", gid: …}.
	Spawn(flags int64, maps Record) (*Spawned, error)
	// Option reads one of the Opt* options; SetOption changes it.
	Option(opt int) (int64, error)
	SetOption(opt int, v int64) error
	// BeforeExec runs just before the node replaces itself with a program:
	// it sends signaloneof to the node's exec'd children and lets go of its
	// child nodes, which then end (the subtree goes with the node), and
	// applies the limits kept for programs; undo puts those back if the
	// exec fails.
	BeforeExec() (undo func())
	// SetExecRlimit keeps a limit for the node's programs instead of
	// setting it on the node (RLIMIT_AS, RLIMIT_DATA: a node's Go runtime
	// does not run under them); false for other resources.
	SetExecRlimit(resource int, cur, max uint64) (bool, error)
	// Filter adds calls (by name) to the node's deny list and to the deny
	// list its later children start with. Filters only grow.
	Filter(self, children []string) error
	// Sigaction sets a signal's action ("sig_dfl", "sig_ign", "sig_info")
	// or, with "", only reads it; it returns the old action. SIGCHLD is
	// virtual: sig_info reports it and stops reaping, sig_dfl reaps.
	Sigaction(sig int, action string) (string, error)
	// Reaped tells the node that waitpid reaped child pid with the wait
	// status given: the node forgets the child and reports its exit event,
	// as when it reaps the child itself.
	Reaped(pid int, status uint32)
	// SetChildSignal sets the signal sent to child pid when the node ends
	// (its signaloneof, as setcpid sets it).
	SetChildSignal(pid int, sig int64) error
	// UnshareUser moves the node into a new user namespace (with the other
	// clone flags given) by re-executing it in place, and writes the maps.
	UnshareUser(flags int64, maps Record) error
	// SpawnProgram forks and execs file in one step (no node in between),
	// applying opts (env, rlimits, chroot, chdir, gid, uid) in between.
	SpawnProgram(file string, argv []string, opts Record) (*Spawned, error)
	// ReceivedFd takes the fd that came with the call (SCM_RIGHTS, made
	// close-on-exec on arrival); false if none came. An fd not taken is
	// closed once the call is answered.
	ReceivedFd() (int, bool)
}

// WithFds is a result whose reply carries fds to the driver
// (SCM_RIGHTS): Value is the reply's value, and the node closes its
// copies of Fds once sent.
type WithFds struct {
	Value any
	Fds   []int
}

// Spawned is the result of Spawn: the child's pid and the parent-side fds
// (control socket, stdin, stdout, stderr) that go to the driver.
type Spawned struct {
	Pid int
	Fds []int
}

// Impl is one call's implementation. Args have been checked against the
// call's argument kinds (CheckWire), so the accessors cannot fail.
type Impl func(n Node, a Args) (any, error)

// Args are a call's arguments as a node receives them.
type Args []any

// Has says whether the optional argument i was given.
func (a Args) Has(i int) bool { return i < len(a) }

func (a Args) Int(i int) int64     { return a[i].(int64) }
func (a Args) Str(i int) string    { return a[i].(string) }
func (a Args) Record(i int) Record { return a[i].(Record) }
func (a Args) Value(i int) any     { return a[i] }
func (a Args) Strs(i int) []string { return strs(a[i].([]any)) }
func (a Args) Ints(i int) []int    { return ints(a[i].([]any)) }

func strs(l []any) []string {
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = e.(string)
	}
	return out
}

func ints(l []any) []int {
	out := make([]int, len(l))
	for i, e := range l {
		out[i] = int(e.(int64))
	}
	return out
}

// CheckWire checks the arguments a node received against the call's kinds.
// The driver already converted them; this guards the node against a
// malformed message.
func CheckWire(c *Call, args []any) error {
	if err := checkArity(c, len(args)); err != nil {
		return err
	}
	for i, v := range args {
		a := c.Args[i]
		if !wireKindOK(a.Kind, v) {
			return &ArgError{Call: c.Name, N: i + 1, Name: a.Name,
				Msg: fmt.Sprintf("want %s, got %s", a.Kind, TypeName(v))}
		}
		if err := wireFits(a, v); err != nil {
			return &ArgError{Call: c.Name, N: i + 1, Name: a.Name, Msg: err.Error()}
		}
	}
	return nil
}

func wireKindOK(k Kind, v any) bool {
	switch k {
	case Int, Flags:
		_, ok := v.(int64)
		return ok
	case Str:
		_, ok := v.(string)
		return ok
	case Strs:
		return allOf[string](v)
	case Ints:
		return allOf[int64](v)
	case Rlimit:
		r, ok := v.(Record)
		return ok && len(r) == 2 && isInt(r["cur"]) && isInt(r["max"])
	}
	return true
}

// wireFits checks that the integers of an argument fit its C type, as
// Convert did on the driver's side.
func wireFits(a Arg, v any) error {
	switch a.Kind {
	case Int, Flags:
		return fitCType(a, v.(int64))
	case Ints:
		for _, e := range v.([]any) {
			if err := fitCType(a, e.(int64)); err != nil {
				return err
			}
		}
	}
	return nil
}

func isInt(v any) bool { _, ok := v.(int64); return ok }

func allOf[T any](v any) bool {
	l, ok := v.([]any)
	if !ok {
		return false
	}
	for _, e := range l {
		if _, ok := e.(T); !ok {
			return false
		}
	}
	return true
}
