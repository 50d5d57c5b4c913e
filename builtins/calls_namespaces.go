package builtins

// namespaceCalls: namespaces.
var namespaceCalls = []Call{
	{Name: "sethostname", Group: "namespaces", Args: []Arg{{"name", Str, ""}},
		Result: Nothing, Man: "sethostname(2)",
		Summary: "set the host name (of the node's uts namespace)",
		Example: "sethostname [$c] \"jail\""},
	{Name: "gethostname", Pure: true, Group: "namespaces", Result: Str, Man: "gethostname(2)",
		Summary: "the host name",
		Example: "gethostname [$c]"},
	{Name: "unshare", Group: "namespaces", Args: []Arg{{"flags", Flags, "clone"}, {"maps", Any, ""}}, Optional: 1,
		Result: Nothing, Man: "unshare(2)",
		Summary: "move the node into new namespaces; with clone_newuser the node re-executes itself in place (it must have no children) and maps {uid: \"0 1000 1\", gid: …} are written",
		Example: "unshare [$c] [clone_newuts clone_newns]"},
	{Name: "setns", Group: "namespaces", Args: []Arg{{"fd", Int, ""}, {"nstype", Flags, "clone"}}, Optional: 1,
		Result: Nothing, Man: "setns(2)",
		Summary: "move the node into the namespace open on fd (nstype 0 or omitted: any kind)",
		Example: "setns [$c] $fd clone_newuts"},
}
