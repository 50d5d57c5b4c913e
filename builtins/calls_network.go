package builtins

// networkCalls: interfaces and addresses of the node's network namespace,
// over rtnetlink (rtnetlink(7)), as ip(8) does them; link_up and
// link_down through the ioctls of netdevice(7), which a proto-node makes
// without booting.
var networkCalls = []Call{
	{Name: "link_list", Pure: true, Group: "network", Result: List, Man: "rtnetlink(7)",
		Summary: "the interfaces of the node's network namespace: [{index, name, flags: [iff_up iff_loopback …], mtu, addrs: [\"127.0.0.1/8\" …]}]",
		Example: "link_list [$c]"},
	{Name: "link_up", Group: "network", Args: []Arg{{"name", Str, ""}},
		Result: Nothing, Man: "netdevice(7)",
		Summary: "bring an interface up (ip link set NAME up: its IFF_UP flag set, ioctl SIOCSIFFLAGS); lo first in a new network namespace",
		Example: "link_up [$c] \"lo\""},
	{Name: "link_down", Group: "network", Args: []Arg{{"name", Str, ""}},
		Result: Nothing, Man: "netdevice(7)",
		Summary: "bring an interface down (ip link set NAME down: its IFF_UP flag cleared, ioctl SIOCSIFFLAGS)",
		Example: "link_down [$c] \"lo\""},
	{Name: "addr_add", Group: "network", Args: []Arg{{"name", Str, ""}, {"address", Str, ""}},
		Result: Nothing, Man: "rtnetlink(7)",
		Summary: "add an address with its prefix length to an interface (ip addr add 10.0.0.1/24 dev NAME)",
		Example: "addr_add [$c] \"veth0\" \"10.0.0.1/24\""},
	{Name: "veth_add", Group: "network", Args: []Arg{{"name", Str, ""}, {"peer", Str, ""}},
		Result: Nothing, Man: "veth(4)",
		Summary: "create a pair of virtual ethernet interfaces joined to each other (ip link add NAME type veth peer name PEER)",
		Example: "veth_add [$c] \"veth0\" \"veth1\""},
	{Name: "link_netns", Group: "network", Args: []Arg{{"name", Str, ""}, {"pid", Int, ""}},
		Result: Nothing, Man: "rtnetlink(7)",
		Summary: "move an interface into the network namespace of a process (its pid as the node sees it; ip link set NAME netns PID)",
		Example: "link_netns [$c] \"veth1\" $d"},
}
