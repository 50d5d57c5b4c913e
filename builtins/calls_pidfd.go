package builtins

// pidfdCalls: process file descriptors (pidfd_open(2)). A pidfd names one
// process for good: a signal sent through it cannot reach a later process
// that reused the pid.
var pidfdCalls = []Call{
	{Name: "pidfd_open", Group: "pidfd", Args: []Arg{{"pid", Int, ""}, {"flags", Flags, "pidfd"}}, Optional: 1,
		Result: Int, Man: "pidfd_open(2)",
		Summary: "open a pidfd for a process (its pid as the node sees it); flags pidfd_nonblock, pidfd_thread; the fd is close-on-exec",
		Example: "$pfd = pidfd_open [] $c"},
	{Name: "pidfd_send_signal", Group: "pidfd", Args: []Arg{{"pidfd", Int, ""}, {"signal", Flags, "signal"}, {"flags", Flags, "pidfd_signal"}}, Optional: 1,
		Result: Nothing, Man: "pidfd_send_signal(2)",
		Summary: "send a signal to the process of a pidfd; flags pidfd_signal_thread, pidfd_signal_thread_group, pidfd_signal_process_group",
		Example: "pidfd_send_signal [] $pfd sigterm"},
	{Name: "pidfd_getfd", Group: "pidfd", Args: []Arg{{"pidfd", Int, ""}, {"targetfd", Int, ""}},
		Result: Int, Man: "pidfd_getfd(2)",
		Summary: "duplicate an fd of the process of a pidfd into the node (same open file, close-on-exec); returns the new fd",
		Example: "$fd = pidfd_getfd [] $pfd 3"},
}
