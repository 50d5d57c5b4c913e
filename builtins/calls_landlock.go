package builtins

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// landlockCalls: Landlock (landlock(7)), the unprivileged access control
// of files and TCP ports. Rights go by the kernel's names (tables
// landlock_fs and landlock_net); restriction is per thread, on the node's
// main thread, which runs its calls and execs its program.
// landlock_add_rule and landlock_add_port are Pure: they change only the
// ruleset, which every fd of it shares (a prefork spare's inherited fd
// included), and nothing of the node's own.
var landlockCalls = []Call{
	{Name: "landlock_abi", Pure: true, Group: "landlock", Result: Int, Man: "landlock_create_ruleset(2)",
		Summary: "the running kernel's Landlock ABI version (1 for Linux 5.13; each later version adds rights)",
		Example: "landlock_abi [$c]"},
	{Name: "landlock_create_ruleset", Group: "landlock",
		Args:   []Arg{{"fs", Flags, "landlock_fs"}, {"net", Flags, "landlock_net"}},
		Result: Int, Man: "landlock_create_ruleset(2)", Optional: 1,
		Summary: "a ruleset fd (close-on-exec) that handles these filesystem and network rights: whatever they cover is denied unless a rule allows it; a right the kernel's ABI lacks is an error naming it",
		Example: "landlock_create_ruleset [$c] [execute read_file read_dir write_file] [connect_tcp]"},
	{Name: "landlock_add_rule", Pure: true, Group: "landlock",
		Args:   []Arg{{"ruleset", Int, ""}, {"path", Str, ""}, {"rights", Flags, "landlock_fs"}},
		Result: Nothing, Man: "landlock_add_rule(2)",
		Summary: "allow filesystem rights beneath path (a path-beneath rule); on a file, the directory-only rights are an error",
		Example: "landlock_add_rule [$c] $rs \"/usr\" [execute read_file read_dir]"},
	{Name: "landlock_add_port", Pure: true, Group: "landlock",
		Args:   []Arg{{"ruleset", Int, ""}, {"port", Int, ""}, {"rights", Flags, "landlock_net"}},
		Result: Nothing, Man: "landlock_add_rule(2)",
		Summary: "allow network rights on a TCP port (a net-port rule, ABI 4)",
		Example: "landlock_add_port [$c] $rs 443 [connect_tcp]"},
	{Name: "landlock_restrict_self", Group: "landlock", Args: []Arg{{"ruleset", Int, ""}}, Result: Nothing,
		Man:     "landlock_restrict_self(2)",
		Summary: "enforce a ruleset on the node and what it execs, for good; needs no_new_privs or cap_sys_admin",
		Example: "landlock_restrict_self [$c] $rs"},
	{Name: "landlock", Group: "landlock", Args: []Arg{{"paths", Any, ""}}, Result: Rec, Man: "landlock(7)",
		Summary: "confine the node in one call: {ro: [paths], rw: [paths], exec: [paths], bind_tcp: [ports], connect_tcp: [ports], mode: strict|best_effort}; sets no_new_privs; returns {abi, fs, net, unenforced}",
		Example: "landlock [$c] {ro: [\"/usr\" \"/lib\"], rw: [\"/tmp/box\"], exec: [\"/usr/bin\"]}"},
}

// rightABI is the Landlock ABI version that brought each right.
var rightABI = map[string]int{
	"execute": 1, "write_file": 1, "read_file": 1, "read_dir": 1, "remove_dir": 1, "remove_file": 1,
	"make_char": 1, "make_dir": 1, "make_reg": 1, "make_sock": 1, "make_fifo": 1, "make_block": 1,
	"make_sym": 1, "refer": 2, "truncate": 3, "ioctl_dev": 5, "bind_tcp": 4, "connect_tcp": 4,
}

// fileRights are the filesystem rights that apply to a file; the others
// apply to directories only.
var fileRights = []string{"execute", "write_file", "read_file", "truncate", "ioctl_dev"}

// rightNames lists a mask's rights by name, lowest bit first.
func rightNames(table string, m uint64) []string {
	var out []string
	for m != 0 {
		bit := uint64(1) << bits.TrailingZeros64(m)
		m &^= bit
		name, ok := ConstantName(table, int64(bit))
		if !ok {
			name = fmt.Sprintf("%#x", bit)
		}
		out = append(out, name)
	}
	return out
}

// rightsMask ORs named rights of a table.
func rightsMask(table string, names ...string) uint64 {
	var m uint64
	for _, n := range names {
		v, _ := Constant(table, n)
		m |= uint64(v)
	}
	return m
}

// supported splits a mask into the rights ABI abi has and those it lacks.
func supported(table string, m uint64, abi int) (have, lack uint64) {
	for _, n := range rightNames(table, m) {
		bit := rightsMask(table, n)
		if v, ok := rightABI[n]; ok && v <= abi {
			have |= bit
		} else {
			lack |= bit
		}
	}
	return have, lack
}

// lackError names the rights an ABI lacks.
func lackError(table string, lack uint64, abi int) error {
	var parts []string
	for _, n := range rightNames(table, lack) {
		if v, ok := rightABI[n]; ok {
			parts = append(parts, fmt.Sprintf("%s (ABI %d)", n, v))
		} else {
			parts = append(parts, n)
		}
	}
	return fmt.Errorf("this kernel's Landlock ABI %d lacks %s", abi, strings.Join(parts, ", "))
}

// The one-call form: what each list grants.
var (
	roRights   = []string{"read_file", "read_dir"}
	execRights = []string{"execute", "read_file", "read_dir"}
	rwRights   = []string{"read_file", "read_dir", "write_file", "remove_dir", "remove_file", "make_char",
		"make_dir", "make_reg", "make_sock", "make_fifo", "make_block", "make_sym", "refer", "truncate", "ioctl_dev"}
	sandboxFields = []string{"ro", "rw", "exec", "bind_tcp", "connect_tcp", "mode"}
)

// sandbox is the landlock call's record, read.
type sandbox struct {
	paths      []pathRule
	ports      []portRule
	net        uint64 // the network rights handled (a key given, even empty)
	bestEffort bool
}

type pathRule struct {
	path   string
	rights uint64
}

type portRule struct {
	port   uint64
	rights uint64
}

func sandboxArg(v any) (*sandbox, error) {
	r, ok := v.(Record)
	if !ok {
		return nil, wantGot("a record {ro, rw, exec, bind_tcp, connect_tcp, mode}", v)
	}
	if err := onlyFields(r, sandboxFields); err != nil {
		return nil, err
	}
	s := &sandbox{}
	for _, f := range []struct {
		key    string
		rights []string
	}{{"ro", roRights}, {"rw", rwRights}, {"exec", execRights}} {
		if err := s.addPaths(r, f.key, rightsMask("landlock_fs", f.rights...)); err != nil {
			return nil, err
		}
	}
	for _, key := range []string{"bind_tcp", "connect_tcp"} {
		if err := s.addPorts(r, key); err != nil {
			return nil, err
		}
	}
	return s, s.readMode(r)
}

func (s *sandbox) addPaths(r Record, key string, rights uint64) error {
	v, ok := r[key]
	if !ok {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		return fmt.Errorf("%s: %w", key, wantGot("a list of paths", v))
	}
	for _, e := range l {
		p, ok := e.(string)
		if !ok || p == "" {
			return fmt.Errorf("%s: %w", key, wantGot("a path", e))
		}
		s.paths = append(s.paths, pathRule{p, rights})
	}
	return nil
}

func (s *sandbox) addPorts(r Record, key string) error {
	v, ok := r[key]
	if !ok {
		return nil
	}
	right := rightsMask("landlock_net", key)
	s.net |= right
	l, ok := v.([]any)
	if !ok {
		return fmt.Errorf("%s: %w", key, wantGot("a list of ports", v))
	}
	for _, e := range l {
		port, ok := e.(int64)
		if !ok || port < 0 || port > 65535 {
			return fmt.Errorf("%s: %w", key, wantGot("a port from 0 to 65535", e))
		}
		s.ports = append(s.ports, portRule{uint64(port), right})
	}
	return nil
}

// readMode reads mode: strict (the default: a right the kernel cannot
// restrict is an error) or best_effort (it is left out and reported).
func (s *sandbox) readMode(r Record) error {
	v, ok := r["mode"]
	if !ok {
		return nil
	}
	switch m, _ := nameOf(v); strings.ToLower(m) {
	case "strict":
	case "best_effort":
		s.bestEffort = true
	default:
		return fmt.Errorf("mode: %w", wantGot("strict or best_effort", v))
	}
	return nil
}

// allFSRights is every filesystem right alsh knows.
func allFSRights() uint64 {
	var m uint64
	for _, n := range ConstantNames("landlock_fs") {
		m |= rightsMask("landlock_fs", n)
	}
	return m
}

// constList turns names into constants, for results.
func constList(names []string) []any {
	out := []any{}
	for _, n := range names {
		out = append(out, Const(n))
	}
	return out
}

// handled is what the ruleset will handle on ABI abi, and what could not
// be (an error unless best effort was asked).
func (s *sandbox) handled(abi int) (fs, net uint64, unenforced []string, err error) {
	fs, lackFS := supported("landlock_fs", allFSRights(), abi)
	net, lackNet := supported("landlock_net", s.net, abi)
	if lackFS|lackNet != 0 && !s.bestEffort {
		return 0, 0, nil, errors.Join(lackErrorIf("landlock_fs", lackFS, abi), lackErrorIf("landlock_net", lackNet, abi))
	}
	unenforced = append(rightNames("landlock_fs", lackFS), rightNames("landlock_net", lackNet)...)
	return fs, net, unenforced, nil
}

func lackErrorIf(table string, lack uint64, abi int) error {
	if lack == 0 {
		return nil
	}
	return lackError(table, lack, abi)
}
