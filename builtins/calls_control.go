package builtins

// controlCalls: per-child options, the call filter and signal actions.
var controlCalls = []Call{
	{Name: "cpid", Pure: true, Group: "process", Where: OnDriver,
		Result: List, Man: "docs/engine.md",
		Summary: "the children of the process: [{pid, exec, argv, flowcontrol, signaloneof}]",
		Example: "cpid []"},
	{Name: "getcpid", Pure: true, Group: "process", Args: []Arg{{"child", Int, "pid_t"}, {"field", Flags, "option"}}, Where: OnDriver,
		Result: Int, Man: "docs/engine.md",
		Summary: "read a child's flowcontrol or signaloneof",
		Example: "getcpid [] $c flowcontrol"},
	{Name: "setcpid", Group: "process", Args: []Arg{{"child", Int, "pid_t"}, {"field", Flags, "option"}, {"value", Int, ""}}, Where: OnDriver,
		Result: Nothing, Man: "docs/engine.md",
		Summary: "set a child's flowcontrol (-1 unlimited, 0 paused, N reads) or signaloneof",
		Example: "setcpid [] $c flowcontrol 0"},
	{Name: "filter", Group: "process", Args: []Arg{{"self", Any, ""}, {"children", Any, ""}}, Optional: 1,
		Result: Nothing, Man: "docs/engine.md",
		Summary: "deny calls to this process and to its later children: lists of call names, {allow: […]} or {deny: […]}; filters only grow",
		Example: "filter [$c] [] [fork clone]"},
	{Name: "sigaction", Group: "signals", Args: []Arg{{"signal", Flags, "signal"}, {"action", Any, ""}}, Optional: 1,
		Result: Any, Man: "sigaction(2)",
		Summary: "set a signal's action, sig_dfl, sig_ign or sig_info (report as an event), or query it; returns the old action",
		Example: "sigaction [$c] sigterm sig_ign"},
}
