package builtins

// securityCalls: Linux security and tracing, and the calls that pass
// buffers and pointers (see cstruct.go).
var securityCalls = []Call{
	{Name: "prctl", Group: "security", Args: []Arg{{"option", Flags, "prctl"},
		{"arg2", Any, "prctl"}, {"arg3", Any, "prctl"}, {"arg4", Any, "prctl"}, {"arg5", Any, "prctl"}}, Optional: 4,
		Result: Rec, Man: "prctl(2)",
		Summary: "operate on the process; each arg is an int, a constant, a string or a cstruct; returns {ret, args} with the buffers as the kernel left them",
		Example: "prctl [$c] pr_get_name {ptr: 16}"},
	{Name: "seccomp", Group: "security", Args: []Arg{{"operation", Flags, "seccomp"}, {"flags", Flags, "seccomp"}, {"prog", Any, ""}},
		Result: Nothing, Man: "seccomp(2)",
		Summary: "install a seccomp filter: prog is a list of BPF instructions {code, jt, jf, k}, the raw sock_filter bytes, or ok (seccomp_filter_flag_new_listener is refused: no listener fd is returned)",
		Example: "seccomp [$c] seccomp_set_mode_filter 0 [{code: 6, jt: 0, jf: 0, k: 0x7fff0000}]"},
	{Name: "ptrace", Group: "security", Args: []Arg{{"request", Flags, "ptrace"}, {"pid", Int, "pid_t"}, {"addr", Any, ""}, {"data", Any, ""}},
		Result: Rec, Man: "ptrace(2)",
		Summary: "trace a process; addr and data are ints, strings or cstructs; returns {ret, addr, data}",
		Example: "ptrace [$c] ptrace_traceme 0 0 0"},
	{Name: "alloc", Pure: true, Group: "security", Args: []Arg{{"cstruct", Any, ""}},
		Result: Rec, Man: "docs/engine.md",
		Summary: "lay out a cstruct in memory and read it back: {raw, cstruct}",
		Example: "alloc [] [\"ab\" {ptr: 4}]"},
	{Name: "ioctl", Group: "fds", Args: []Arg{{"fd", Int, ""}, {"request", Flags, "ioctl"}, {"arg", Any, "ioctl"}},
		Result: Rec, Man: "ioctl(2)",
		Summary: "control a device; arg is an int, a string or a cstruct; returns {ret, arg} with arg as the kernel left it",
		Example: "ioctl [$c] $fd tunsetiff [\"tap0\" {u32: 0} {u16: 0x1002} {u16: 0} {u64: 0} {u64: 0}]"},
	{Name: "connect", Group: "sockets", Args: []Arg{{"fd", Int, ""}, {"sockaddr", Any, ""}},
		Result: Nothing, Man: "connect(2)",
		Summary: "connect a socket to {family: af_unix, path: \"…\"}, {family: af_inet, addr: \"127.0.0.1\", port: N}, af_inet6, or raw sockaddr bytes",
		Example: "connect [$c] $fd {family: af_unix, path: \"/tmp/sock\"}"},
}
