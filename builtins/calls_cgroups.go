package builtins

// cgroupCalls: control groups, v1 and v2 behind one interface (package
// cgroupfs). A cgroup is named by a path relative to each hierarchy's
// mount ("alsh/box"); the node that makes the call finds the hierarchies
// from its own /proc/self/mountinfo and /proc/self/cgroup.
var cgroupCalls = []Call{
	{Name: "cgroup_layout", Pure: true, Group: "cgroups", Result: Rec, Man: "cgroups(7)",
		Summary: "where the node's cgroup controllers are: {layout: \"v1\"|\"v2\"|\"hybrid\", hierarchies: [{version, mount, controllers, cgroup, dir}]}",
		Example: "cgroup_layout []"},
	{Name: "cgroup_create", Group: "cgroups", Args: []Arg{{"name", Str, ""}, {"controllers", Strs, ""}}, Optional: 1,
		Result: List, Man: "cgroups(7)",
		Summary: "create a cgroup (parents included) in the hierarchies of these controllers (default: all); a v1 cpuset gets its parent's cpus and mems; returns the directories made",
		Example: "cgroup_create [] \"alsh/box\" [\"memory\" \"cpuset\" \"pids\"]"},
	{Name: "cgroup_set", Group: "cgroups", Args: []Arg{{"name", Str, ""}, {"file", Str, ""}, {"value", Any, ""}},
		Result: Nothing, Man: "cgroups(7)",
		Summary: "write a controller file (memory.max, pids.max, cpu.max, cpuset.cpus, cgroup.freeze…); v1 and v2 names are mapped where they mean the same, and a v2 controller is enabled in the ancestors' cgroup.subtree_control at the first write to one of its files",
		Example: "cgroup_set [] \"alsh/box\" \"memory.max\" \"16M\""},
	{Name: "cgroup_get", Pure: true, Group: "cgroups", Args: []Arg{{"name", Str, ""}, {"file", Str, ""}},
		Result: Str, Man: "cgroups(7)",
		Summary: "read a controller file, in the syntax of the version its name belongs to (memory.max reads \"max\" for no limit on v1 too)",
		Example: "cgroup_get [] \"alsh/box\" \"memory.max\""},
	{Name: "cgroup_add", Group: "cgroups", Args: []Arg{{"name", Str, ""}, {"process", Any, ""}},
		Result: Nothing, Man: "cgroups(7)",
		Summary: "move a process into the cgroup, in every hierarchy that has it: its pid as the calling node sees it (0: the node itself), or its pipeline from the calling node, [$c $g] (read from the node's /proc)",
		Example: "cgroup_add [] \"alsh/box\" $c"},
	{Name: "cgroup_procs", Pure: true, Group: "cgroups", Args: []Arg{{"name", Str, ""}},
		Result: List, Man: "cgroups(7)",
		Summary: "the pids in the cgroup (in any of its hierarchies), sorted, as the calling node sees them",
		Example: "cgroup_procs [] \"alsh/box\""},
	{Name: "cgroup_delete", Group: "cgroups", Args: []Arg{{"name", Str, ""}},
		Result: Nothing, Man: "cgroups(7)",
		Summary: "kill the cgroup's processes (v2: cgroup.kill; v1: SIGKILL to each until none is left) and remove it, child cgroups first; refuses a cgroup holding the calling node",
		Example: "cgroup_delete [] \"alsh/box\""},
}
