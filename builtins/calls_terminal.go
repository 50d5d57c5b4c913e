package builtins

// terminalCalls: moving an open fd from one node to another, and a
// pseudo-terminal for a program.
//
// fd_pass is the driver's: it asks the sending node for a copy of the fd
// (fd_send, whose reply carries it with SCM_RIGHTS) and hands it to the
// receiving node with a call (fd_recv). pty is made on the node, but the
// driver opens the terminal (in its own mount namespace, so the node may
// be in a root with no /dev/pts) and passes the node its slave side.
var terminalCalls = []Call{
	{Name: "fd_pass", Group: "fds", Where: OnDriver,
		Args: []Arg{{"to", Ints, "pid_t"}, {"fd", Int, ""}, {"flags", Flags, "fd_pass"}, {"target", Int, ""}}, Optional: 2,
		Result: Int, Man: "unix(7)",
		Summary: "copy an open fd of the process into the process the pipeline `to` names (SCM_RIGHTS through the driver); returns its number there. It is close-on-exec unless flags is fd_inheritable; target puts it at that number",
		Example: "$fd2 = fd_pass [] [$c] $fd fd_inheritable"},
	{Name: "fd_send", Group: "fds", Args: []Arg{{"fd", Int, ""}}, Pure: true,
		Result: Int, Man: "unix(7)",
		Summary: "the sending half of fd_pass: the reply carries a copy of fd to the driver (use fd_pass)",
		Example: "fd_send [] $fd"},
	{Name: "fd_recv", Group: "fds", Args: []Arg{{"flags", Flags, "fd_pass"}, {"target", Int, ""}},
		Result: Int, Man: "unix(7)",
		Summary: "the receiving half of fd_pass: keep the fd that came with the call (use fd_pass)",
		Example: "fd_recv [$c] 0 -1"},
	{Name: "pty", Group: "terminal", Args: []Arg{{"rows", Int, "unsigned short"}, {"cols", Int, "unsigned short"}},
		Result: Nothing, Man: "pty(7)",
		Summary: "give the process a new pseudo-terminal of rows x cols as stdin, stdout, stderr and controlling terminal, in a new session; a program it execs then runs on it, and stdin, stdout and attach reach it through the driver's master side",
		Example: "pty [$c] 24 80"},
	{Name: "pty_resize", Group: "terminal", Args: []Arg{{"rows", Int, "unsigned short"}, {"cols", Int, "unsigned short"}}, Where: OnDriver,
		Result: Nothing, Man: "ioctl_tty(2)",
		Summary: "change the window size of the process's pseudo-terminal (the program gets sigwinch)",
		Example: "pty_resize [$c] 50 132"},
}
