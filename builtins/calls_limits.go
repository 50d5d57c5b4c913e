package builtins

// limitCalls: limits.
var limitCalls = []Call{
	{Name: "getrlimit", Pure: true, Group: "limits", Args: []Arg{{"resource", Flags, "rlimit"}},
		Result: Rec, Man: "getrlimit(2)",
		Summary: "read a resource limit as {cur, max}",
		Example: "getrlimit [$c] rlimit_nofile"},
	{Name: "setrlimit", Group: "limits", Args: []Arg{{"resource", Flags, "rlimit"}, {"limit", Rlimit, ""}},
		Result: Nothing, Man: "setrlimit(2)",
		Summary: "set a resource limit",
		Example: "setrlimit [$c] rlimit_nofile {cur: 64, max: 64}"},
}
