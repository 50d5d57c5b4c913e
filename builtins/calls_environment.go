package builtins

// environmentCalls: the node's environment, which execvp passes on (execve
// and fexecve take theirs as an argument).
var environmentCalls = []Call{
	{Name: "environ", Pure: true, Group: "environment", Result: List, Man: "environ(7)",
		Summary: "the node's environment as a list of \"NAME=value\"",
		Example: "environ [$c]"},
	{Name: "getenv", Pure: true, Group: "environment", Args: []Arg{{"name", Str, ""}},
		Result: Any, Man: "getenv(3)",
		Summary: "the value of an environment variable, or ok when it is unset (\"\" is set and empty)",
		Example: "getenv [$c] \"PATH\""},
	{Name: "setenv", Group: "environment", Args: []Arg{{"name", Str, ""}, {"value", Str, ""}, {"overwrite", Int, ""}}, Optional: 1,
		Result: Nothing, Man: "setenv(3)",
		Summary: "set an environment variable; with overwrite 0 an existing value stays (default 1)",
		Example: "setenv [$c] \"FOO\" \"bar\" 1"},
	{Name: "unsetenv", Group: "environment", Args: []Arg{{"name", Str, ""}},
		Result: Nothing, Man: "unsetenv(3)",
		Summary: "remove an environment variable",
		Example: "unsetenv [$c] \"FOO\""},
	{Name: "clearenv", Group: "environment", Result: Nothing, Man: "clearenv(3)",
		Summary: "empty the node's environment",
		Example: "clearenv [$c]"},
}
