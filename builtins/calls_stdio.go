package builtins

// stdioCalls: stdio and events, answered by the driver.
var stdioCalls = []Call{
	{Name: "stdin", Group: "stdio", Args: []Arg{{"data", Str, ""}}, Where: OnDriver,
		Result: Nothing, Man: "docs/engine.md",
		Summary: "send bytes to the exec'd program's stdin (queued, never dropped)",
		Example: "stdin [$c] \"hello\\n\""},
	{Name: "stdout", Group: "stdio", Args: []Arg{{"timeout_ms", Int, "long"}}, Optional: 1, Where: OnDriver,
		Result: Str, Man: "docs/engine.md",
		Summary: "take the program's queued stdout, waiting up to timeout_ms for some",
		Example: "stdout [$c] 1000"},
	{Name: "stderr", Group: "stdio", Args: []Arg{{"timeout_ms", Int, "long"}}, Optional: 1, Where: OnDriver,
		Result: Str, Man: "docs/engine.md",
		Summary: "take the process's queued stderr, waiting up to timeout_ms for some",
		Example: "stderr [$c] 1000"},
	{Name: "event", Group: "stdio", Args: []Arg{{"timeout_ms", Int, "long"}}, Optional: 1, Where: OnDriver,
		Result: Rec, Man: "docs/engine.md",
		Summary: "take the next event ({exit_status: N}, {termsig: sigkill}, {signal: sigchld}), or ok if none",
		Example: "event [$c] 1000"},
	{Name: "eof", Group: "stdio", Args: []Arg{{"stream", Flags, "stdio"}}, Optional: 1, Where: OnDriver,
		Result: Nothing, Man: "docs/engine.md",
		Summary: "close the driver's end of the process's stdin (default), stdout or stderr",
		Example: "eof [$c] stdin"},
}
