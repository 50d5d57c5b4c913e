package builtins

// constantCalls: constant and errno lookups. They are answered by the node
// (they are cheap), so `constant [$c] …` shows what that node's build knows.
var constantCalls = []Call{
	{Name: "constant", Pure: true, Group: "constants", Args: []Arg{{"table", Any, ""}, {"name", Any, ""}},
		Result: Int, Man: "docs/engine.md",
		Summary: "the value of a constant of a table (clone, fcntl, file, mount, prio, rlimit, signal, socket, wait, ioctl, prctl, ptrace, seccomp, syscall, cap, errno…)",
		Example: "constant [] clone clone_newpid"},
	{Name: "errno", Pure: true, Group: "constants", Args: []Arg{{"errno", Int, ""}},
		Result: Str, Man: "errno(3)",
		Summary: "the name of an errno number (1 is \"eperm\")",
		Example: "errno [] 1"},
}
