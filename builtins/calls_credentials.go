package builtins

// credentialCalls: credentials.
var credentialCalls = []Call{
	{Name: "setuid", Group: "credentials", Args: []Arg{{"uid", Int, ""}},
		Result: Nothing, Man: "setuid(2)",
		Summary: "set the user id",
		Example: "setuid [$c] 65534"},
	{Name: "setgid", Group: "credentials", Args: []Arg{{"gid", Int, ""}},
		Result: Nothing, Man: "setgid(2)",
		Summary: "set the group id",
		Example: "setgid [$c] 65534"},
}
