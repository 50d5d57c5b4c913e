package builtins

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
)

// capabilityCalls: the capability sets of capabilities(7), by name. Each
// is per thread in the kernel: a node makes them on its main thread, the
// one that runs its calls and execs its program (docs/sandboxing.md).
var capabilityCalls = []Call{
	{Name: "capget", Pure: true, Group: "capabilities", Result: Rec, Man: "capget(2)",
		Summary: "the node's capability sets: {effective: [...], permitted: [...], inheritable: [...]}, lists of cap_* names",
		Example: "capget [$c]"},
	{Name: "capset", Group: "capabilities", Args: []Arg{{"sets", Any, "caps"}}, Result: Nothing, Man: "capset(2)",
		Summary: "set the node's capability sets from {effective, permitted, inheritable} (lists of cap_* names); a set left out keeps its value",
		Example: "capset [$c] {effective: [cap_net_bind_service], permitted: [cap_net_bind_service], inheritable: []}"},
	{Name: "capbset", Pure: true, Group: "capabilities", Result: List, Man: "capabilities(7)",
		Summary: "the capabilities left in the node's bounding set (PR_CAPBSET_READ over each one the kernel knows)",
		Example: "capbset [$c]"},
	{Name: "capbset_drop", Group: "capabilities", Args: []Arg{{"caps", Flags, "caps"}}, Result: Nothing, Man: "prctl(2)",
		Summary: "drop capabilities from the node's bounding set, for good (PR_CAPBSET_DROP); bits past the kernel's last capability are nothing to drop",
		Example: "capbset_drop [$c] [cap_sys_admin cap_net_raw]"},
	{Name: "capbset_keep", Group: "capabilities", Args: []Arg{{"caps", Flags, "caps"}}, Result: Nothing, Man: "prctl(2)",
		Summary: "drop every capability but these from the bounding set (bwrap --cap-drop ALL --cap-add …)",
		Example: "capbset_keep [$c] [cap_chown cap_setuid cap_setgid]"},
	{Name: "ambient", Pure: true, Group: "capabilities", Result: List, Man: "capabilities(7)",
		Summary: "the node's ambient capabilities, which an exec keeps for a program without file capabilities",
		Example: "ambient [$c]"},
	{Name: "ambient_raise", Group: "capabilities", Args: []Arg{{"caps", Flags, "caps"}}, Result: Nothing, Man: "prctl(2)",
		Summary: "raise ambient capabilities (each must be permitted and inheritable)",
		Example: "ambient_raise [$c] [cap_net_bind_service]"},
	{Name: "ambient_lower", Group: "capabilities", Args: []Arg{{"caps", Flags, "caps"}}, Result: Nothing, Man: "prctl(2)",
		Summary: "lower ambient capabilities",
		Example: "ambient_lower [$c] [cap_net_bind_service]"},
	{Name: "ambient_clear", Group: "capabilities", Result: Nothing, Man: "prctl(2)",
		Summary: "clear every ambient capability",
		Example: "ambient_clear [$c]"},
	{Name: "securebits", Pure: true, Group: "capabilities", Result: List, Man: "capabilities(7)",
		Summary: "the node's securebits, as secbit_* names",
		Example: "securebits [$c]"},
	{Name: "securebits_set", Group: "capabilities", Args: []Arg{{"bits", Flags, "secbit"}}, Result: Nothing, Man: "capabilities(7)",
		Summary: "set the node's securebits to exactly these (PR_SET_SECUREBITS; needs cap_setpcap)",
		Example: "securebits_set [$c] [secbit_keep_caps secbit_noroot]"},
	{Name: "no_new_privs", Group: "capabilities", Result: Nothing, Man: "prctl(2)",
		Summary: "set no_new_privs: no exec may gain privileges again (setuid bits and file capabilities are ignored); it cannot be unset",
		Example: "no_new_privs [$c]"},
	{Name: "cap_last_cap", Pure: true, Group: "capabilities", Result: Int, Man: "capabilities(7)",
		Summary: "the running kernel's last capability number, from /proc/sys/kernel/cap_last_cap",
		Example: "cap_last_cap [$c]"},
}

// capSetNames are the fields of capget's result and capset's argument.
var capSetNames = []string{"effective", "permitted", "inheritable"}

// capMask reads a set of capabilities: a cap_* name, a mask, or a list of
// them.
func capMask(v any) (uint64, error) {
	switch v := v.(type) {
	case []any:
		var m uint64
		for _, e := range v {
			n, err := capMask(e)
			if err != nil {
				return 0, err
			}
			m |= n
		}
		return m, nil
	case string:
		return capMask(Const(v))
	}
	n, err := flags("caps", v)
	if err != nil {
		return 0, err
	}
	return uint64(n.(int64)), nil
}

// capSetsArg reads capset's record: the sets it names, each as a mask.
func capSetsArg(v any) (map[string]uint64, error) {
	r, ok := v.(Record)
	if !ok {
		return nil, wantGot("record {effective, permitted, inheritable}", v)
	}
	sets := map[string]uint64{}
	for _, k := range r.Keys() {
		if !slices.Contains(capSetNames, k) {
			return nil, fmt.Errorf("unknown field %s (want effective, permitted, inheritable)", k)
		}
		m, err := capMask(r[k])
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
		sets[k] = m
	}
	return sets, nil
}

// capList names the capabilities of a mask, lowest first; a bit no name
// is known for stays a number.
func capList(m uint64) []any {
	out := []any{}
	for m != 0 {
		n := bits.TrailingZeros64(m)
		m &^= 1 << n
		if name, ok := nameAt(capNames[:], int64(n)); ok {
			out = append(out, Const(name))
		} else {
			out = append(out, int64(n))
		}
	}
	return out
}

// secbitList names the securebits set in m.
func secbitList(m uint64) []any {
	out := []any{}
	for _, name := range ConstantNames("secbit") {
		if v, _ := Constant("secbit", name); m&uint64(v) != 0 {
			out = append(out, Const(name))
		}
	}
	return out
}

// PartialError is a call that applies a list one item at a time and
// failed part way: it says what was applied before the failure, so that
// nothing is half-applied without saying so. It unwraps to the errno,
// and its message ends with it, so that the message crosses from the node
// to the driver whole.
type PartialError struct {
	Call   string
	Done   []string // applied, in order
	Failed string   // the item that failed
	Err    error
}

func (e *PartialError) Error() string {
	done := "nothing"
	if len(e.Done) > 0 {
		done = strings.Join(e.Done, " ")
	}
	return fmt.Sprintf("%s: %s (applied before it: %s): %v", e.Call, e.Failed, done, e.Err)
}

func (e *PartialError) Unwrap() error { return e.Err }
