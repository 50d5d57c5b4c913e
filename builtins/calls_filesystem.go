package builtins

// filesystemCalls: filesystem.
var filesystemCalls = []Call{
	{Name: "chroot", Group: "filesystem", Args: []Arg{{"path", Str, ""}},
		Result: Nothing, Man: "chroot(2)",
		Summary: "change the root directory",
		Example: "chroot [$c] \"/srv/jail\""},
	{Name: "chdir", Group: "filesystem", Args: []Arg{{"path", Str, ""}},
		Result: Nothing, Man: "chdir(2)",
		Summary: "change the working directory",
		Example: "chdir [$c] \"/\""},
	{Name: "getcwd", Group: "filesystem", Result: Str, Man: "getcwd(3)",
		Summary: "the working directory",
		Example: "getcwd [$c]"},
}
