package builtins

// namespaceCalls: namespaces.
var namespaceCalls = []Call{
	{Name: "sethostname", Group: "namespaces", Args: []Arg{{"name", Str, ""}},
		Result: Nothing, Man: "sethostname(2)",
		Summary: "set the host name (of the node's uts namespace)",
		Example: "sethostname [$c] \"jail\""},
	{Name: "gethostname", Group: "namespaces", Result: Str, Man: "gethostname(2)",
		Summary: "the host name",
		Example: "gethostname [$c]"},
}
