package builtins

import (
	"strings"
	"sync"
)

// Kind says what an argument accepts, or what a call returns.
type Kind int

const (
	Int     Kind = iota // an integer
	Str                 // a byte string
	Strs                // a list of strings (argv, env)
	Ints                // a list of integers (groups, fds)
	Flags               // a constant of Arg.Table, an int, or a list of them OR'd
	Rlimit              // a record {cur: N, max: N}
	Any                 // any value (buffers, cstructs)
	Nothing             // result only: the call returns ok
	Rec                 // result only: a record
	List                // result only: a list
)

var kindNames = [...]string{"int", "string", "list of strings", "list of ints",
	"constant", "rlimit {cur, max}", "value", "ok", "record", "list"}

func (k Kind) String() string { return kindNames[k] }

// Where says which side performs a call.
type Where int

const (
	OnNode   Where = iota // sent to the node the pipeline names
	OnDriver              // answered by the driver (stdio, queues, per-child options)
)

// Arg describes one argument of a call.
type Arg struct {
	Name string
	Kind Kind
	// Table: for Flags, the constant table (clone, rlimit, signal…); for
	// Int and Ints, the C type each value must fit (ctypes.go), int when
	// empty.
	Table string
}

// Call is one row of the call table: everything alsh knows about a call.
type Call struct {
	Name     string
	Group    string // process, credentials, filesystem… (help lists by group)
	Args     []Arg
	Optional int  // how many trailing Args may be omitted
	Result   Kind // what a successful call returns
	Summary  string
	Man      string // the manual page to read, such as "clone(2)"
	Example  string // a REPL line, checked by the tests
	Where    Where
	NoReturn bool // exec and exit: success is the node's control socket closing
	// NewProcess: fork, clone and spawn, whose reply carries the new
	// process's fds.
	NewProcess bool
	// Pure: the call changes nothing a child would inherit, so a node's
	// spare child (option prefork) stays a faithful fork across it.
	Pure bool
	// RuntimeFree: the call is plain system calls on fixed-size arguments
	// and paths, implemented once without the Go runtime (package
	// engine/internal/proto), so a proto-node serves it without booting
	// and a node makes it with the same code. Set from runtimeFree.
	RuntimeFree bool
}

// runtimeFree are the calls marked RuntimeFree (gen_table sets the mark
// in Table's rows). The engine's tests check that this list and the
// runtime-free implementations agree.
var runtimeFree = []string{
	"getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "setsid", "setpgid", "kill",
	"setuid", "setgid", "setresuid", "setresgid", "setgroups",
	"chroot", "chdir", "mkdir", "rmdir", "unlink", "link", "symlink", "chmod", "chown", "mkfifo", "mknod",
	"mount", "umount", "umount2", "pivot_root", "sethostname", "unshare", "close", "no_new_privs", "open", "mount_setattr",
	"capbset_drop", "capbset_keep", "ambient_raise", "ambient_lower", "ambient_clear", "securebits_set",
	"seccomp", "seccomp_load", "landlock", "link_up", "link_down",
	"lseek", "fcntl", "write", "setns", "getcwd", "gethostname", "read", "getrlimit", "getresuid", "getresgid", "getgroups",
}

// Signature renders the call as the user types it: name [pipeline] args.
func (c *Call) Signature() string {
	var b strings.Builder
	b.WriteString(c.Name)
	b.WriteString(" [pipeline]")
	for i, a := range c.Args {
		optional := i >= len(c.Args)-c.Optional
		b.WriteByte(' ')
		if optional {
			b.WriteByte('?')
		}
		b.WriteString(a.Name)
		b.WriteByte(':')
		switch {
		case a.Kind == Flags:
			b.WriteString(a.Table)
		case a.Kind == Int && a.Table != "":
			b.WriteString(a.Table)
		case a.Kind == Ints && a.Table != "":
			b.WriteString("list of " + a.Table)
		default:
			b.WriteString(a.Kind.String())
		}
	}
	b.WriteString(" -> ")
	b.WriteString(c.Result.String())
	return b.String()
}

// index maps each call's name to its row in Table; Lookup and Number both
// read it. Built at its first use: a node, whose start runs every
// package's initialisers, serves calls by number.
var index = sync.OnceValue(func() map[string]int {
	m := make(map[string]int, len(Table))
	for i := range Table {
		m[Table[i].Name] = i
	}
	return m
})

// Lookup finds a call by name.
func Lookup(name string) (*Call, bool) {
	i, ok := index()[name]
	if !ok {
		return nil, false
	}
	return &Table[i], true
}

// Number is a call's index in Table; nodes receive calls by number.
func (c *Call) Number() int { return index()[c.Name] }
