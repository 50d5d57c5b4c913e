package builtins

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

var networkImpls = []namedImpl{
	{"link_list", sysLinkList},
	{"link_up", sysLinkUp},
	{"link_down", sysLinkDown},
	{"addr_add", sysAddrAdd},
	{"veth_add", sysVethAdd},
	{"link_netns", sysLinkNetns},
}

// link is one interface of the node's network namespace.
type link struct {
	index int32
	name  string
	flags uint32
	mtu   uint32
}

func links(r *rtnl) ([]link, error) {
	msgs, err := r.dump(unix.RTM_GETLINK, ifinfomsg(0, 0, 0))
	if err != nil {
		return nil, err
	}
	var out []link
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != unix.RTM_NEWLINK || len(m.Data) < unix.SizeofIfInfomsg {
			continue
		}
		l := link{index: int32(binary.NativeEndian.Uint32(m.Data[4:])), flags: binary.NativeEndian.Uint32(m.Data[8:])}
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			return nil, fmt.Errorf("netlink: %w", err)
		}
		for _, a := range attrs {
			switch a.Attr.Type {
			case unix.IFLA_IFNAME:
				l.name = strings.TrimRight(string(a.Value), "\x00")
			case unix.IFLA_MTU:
				if len(a.Value) == 4 {
					l.mtu = binary.NativeEndian.Uint32(a.Value)
				}
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// addrs maps interface index to its addresses, "10.0.0.1/24".
func addrs(r *rtnl) (map[int32][]any, error) {
	msgs, err := r.dump(unix.RTM_GETADDR, ifaddrmsg(unix.AF_UNSPEC, 0, 0))
	if err != nil {
		return nil, err
	}
	out := map[int32][]any{}
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != unix.RTM_NEWADDR || len(m.Data) < unix.SizeofIfAddrmsg {
			continue
		}
		prefixlen, index := int(m.Data[1]), int32(binary.NativeEndian.Uint32(m.Data[4:]))
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			return nil, fmt.Errorf("netlink: %w", err)
		}
		var local, address []byte
		for _, a := range attrs {
			switch a.Attr.Type {
			case unix.IFA_LOCAL:
				local = a.Value
			case unix.IFA_ADDRESS:
				address = a.Value
			}
		}
		if local == nil { // IPv6 and peer-less links give only IFA_ADDRESS
			local = address
		}
		if ip, ok := netip.AddrFromSlice(local); ok {
			out[index] = append(out[index], netip.PrefixFrom(ip, prefixlen).String())
		}
	}
	return out, nil
}

// linkFlagNames are the netdevice flags (netdevice(7)) a link shows, by
// their names in the iff constant table.
var linkFlagNames = []struct {
	name string
	bit  uint32
}{
	{"iff_up", unix.IFF_UP}, {"iff_broadcast", unix.IFF_BROADCAST}, {"iff_debug", unix.IFF_DEBUG},
	{"iff_loopback", unix.IFF_LOOPBACK}, {"iff_pointopoint", unix.IFF_POINTOPOINT},
	{"iff_notrailers", unix.IFF_NOTRAILERS}, {"iff_running", unix.IFF_RUNNING}, {"iff_noarp", unix.IFF_NOARP},
	{"iff_promisc", unix.IFF_PROMISC}, {"iff_allmulti", unix.IFF_ALLMULTI}, {"iff_master", unix.IFF_MASTER},
	{"iff_slave", unix.IFF_SLAVE}, {"iff_multicast", unix.IFF_MULTICAST}, {"iff_portsel", unix.IFF_PORTSEL},
	{"iff_automedia", unix.IFF_AUTOMEDIA}, {"iff_dynamic", unix.IFF_DYNAMIC}, {"iff_lower_up", unix.IFF_LOWER_UP},
	{"iff_dormant", unix.IFF_DORMANT}, {"iff_echo", unix.IFF_ECHO},
}

func flagNames(flags uint32) []any {
	out := []any{}
	for _, f := range linkFlagNames {
		if flags&f.bit != 0 {
			out = append(out, f.name)
		}
	}
	return out
}

// withRtnl runs f on a new rtnetlink socket.
func withRtnl(f func(r *rtnl) (any, error)) (any, error) {
	r, err := openRtnl()
	if err != nil {
		return nil, err
	}
	defer r.close()
	return f(r)
}

func sysLinkList(Node, Args) (any, error) {
	return withRtnl(func(r *rtnl) (any, error) {
		ls, err := links(r)
		if err != nil {
			return nil, err
		}
		as, err := addrs(r)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(ls))
		for i, l := range ls {
			a := as[l.index]
			if a == nil {
				a = []any{}
			}
			out[i] = Record{"index": int64(l.index), "name": l.name, "flags": flagNames(l.flags),
				"mtu": int64(l.mtu), "addrs": a}
		}
		return out, nil
	})
}

// linkIndex finds an interface by name; an unknown name is an error that
// lists the namespace's interfaces and suggests the nearest.
func linkIndex(r *rtnl, call string, argN int, name string) (int32, error) {
	ls, err := links(r)
	if err != nil {
		return 0, err
	}
	var names []string
	for _, l := range ls {
		if l.name == name {
			return l.index, nil
		}
		names = append(names, l.name)
	}
	slices.Sort(names)
	return 0, &ArgError{Call: call, N: argN, Name: "name",
		Msg: fmt.Sprintf("no interface %q in this network namespace (it has %s)%s", name, strings.Join(names, ", "), suggest(name, names))}
}

// link_up and link_down are runtime-free (engine/internal/proto,
// rawlink_linux.go) for every name the kernel could hold; the node's Go
// code gets the others, and refuses them before any system call.
func sysLinkUp(_ Node, a Args) (any, error)   { return nil, badLinkName("link_up", a.Str(0)) }
func sysLinkDown(_ Node, a Args) (any, error) { return nil, badLinkName("link_down", a.Str(0)) }

func badLinkName(call, name string) error {
	if err := checkIfname(call, 1, "name", name); err != nil {
		return err
	}
	return ErrUnsupported // a good name's call is the runtime-free code's
}

// LinkCallError words the failure of link_up or link_down, which the
// runtime-free code made: an unknown name (ENODEV) lists the namespace's
// interfaces and suggests the nearest, as every call naming one does;
// any other errno is the call's.
func LinkCallError(call, name string, err error) error {
	if errors.Is(err, unix.ENODEV) {
		_, lerr := withRtnl(func(r *rtnl) (any, error) { _, err := linkIndex(r, call, 1, name); return nil, err })
		var argErr *ArgError
		if errors.As(lerr, &argErr) {
			return lerr
		}
	}
	return sysErr(call, err)
}

func sysAddrAdd(_ Node, a Args) (any, error) {
	p, err := netip.ParsePrefix(a.Str(1))
	if err != nil {
		return nil, &ArgError{Call: "addr_add", N: 2, Name: "address", Msg: fmt.Sprintf("want an address with its prefix length, such as \"10.0.0.1/24\" or \"fd00::1/64\": %v", err)}
	}
	return withRtnl(func(r *rtnl) (any, error) {
		idx, err := linkIndex(r, "addr_add", 1, a.Str(0))
		if err != nil {
			return nil, err
		}
		family := uint8(unix.AF_INET6)
		if p.Addr().Is4() {
			family = unix.AF_INET
		}
		ip := p.Addr().AsSlice()
		body := append(ifaddrmsg(family, uint8(p.Bits()), idx), rtattr(unix.IFA_LOCAL, ip)...)
		body = append(body, rtattr(unix.IFA_ADDRESS, ip)...)
		return nil, sysErr("addr_add", r.do(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL, body))
	})
}

// IfnameBad are the bytes no interface name holds: those the kernel
// refuses, and NUL, which would end the name early in the ifreq that
// the runtime-free link_up fills.
const IfnameBad = "/: \t\n\x00"

// checkIfname refuses what the kernel would: empty, over IFNAMSIZ-1
// bytes, or holding '/', ':', white space or NUL.
func checkIfname(call string, n int, argName, name string) error {
	if name == "" || len(name) >= unix.IFNAMSIZ || strings.ContainsAny(name, IfnameBad) {
		return &ArgError{Call: call, N: n, Name: argName,
			Msg: fmt.Sprintf("bad interface name %q: want 1 to %d bytes, no '/', ':', space or NUL", name, unix.IFNAMSIZ-1)}
	}
	return nil
}

// vethPeer is VETH_INFO_PEER (linux/veth.h), which x/sys does not export.
const vethPeer = 1

func sysVethAdd(_ Node, a Args) (any, error) {
	name, peer := a.Str(0), a.Str(1)
	if err := checkIfname("veth_add", 1, "name", name); err != nil {
		return nil, err
	}
	if err := checkIfname("veth_add", 2, "peer", peer); err != nil {
		return nil, err
	}
	body := append(ifinfomsg(0, 0, 0), rtattr(unix.IFLA_IFNAME, cstr(name))...)
	body = append(body, rtattr(unix.IFLA_LINKINFO,
		rtattr(unix.IFLA_INFO_KIND, []byte("veth")),
		rtattr(unix.IFLA_INFO_DATA, rtattr(vethPeer, ifinfomsg(0, 0, 0), rtattr(unix.IFLA_IFNAME, cstr(peer)))))...)
	return withRtnl(func(r *rtnl) (any, error) {
		return nil, sysErr("veth_add", r.do(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL, body))
	})
}

func sysLinkNetns(_ Node, a Args) (any, error) {
	return withRtnl(func(r *rtnl) (any, error) {
		idx, err := linkIndex(r, "link_netns", 1, a.Str(0))
		if err != nil {
			return nil, err
		}
		body := append(ifinfomsg(idx, 0, 0), rtattr(unix.IFLA_NET_NS_PID, u32(uint32(a.Int(1))))...)
		return nil, sysErr("link_netns", r.do(unix.RTM_NEWLINK, 0, body))
	})
}
