package builtins

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Node-side capability calls. Every one acts on the calling thread, the
// node's main thread: the one that runs the node's calls, forks its
// children and execs its program.

// capState reads the calling thread's three sets.
func capState() ([3]uint64, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return [3]uint64{}, sysErr("capget", err)
	}
	join := func(lo, hi uint32) uint64 { return uint64(hi)<<32 | uint64(lo) }
	return [3]uint64{join(data[0].Effective, data[1].Effective),
		join(data[0].Permitted, data[1].Permitted),
		join(data[0].Inheritable, data[1].Inheritable)}, nil
}

func setCapState(s [3]uint64) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	for i := range data {
		shift := 32 * i
		data[i] = unix.CapUserData{Effective: uint32(s[0] >> shift),
			Permitted: uint32(s[1] >> shift), Inheritable: uint32(s[2] >> shift)}
	}
	return sysErr("capset", unix.Capset(&hdr, &data[0]))
}

func sysCapget(Node, Args) (any, error) {
	s, err := capState()
	if err != nil {
		return nil, err
	}
	r := Record{}
	for i, k := range capSetNames {
		r[k] = capList(s[i])
	}
	return r, nil
}

func sysCapset(_ Node, a Args) (any, error) {
	sets, err := capSetsArg(a.Value(0))
	if err != nil {
		return nil, &ArgError{Call: "capset", N: 1, Name: "sets", Msg: err.Error()}
	}
	s, err := capState()
	if err != nil {
		return nil, err
	}
	for i, k := range capSetNames {
		if m, ok := sets[k]; ok {
			s[i] = m
		}
	}
	return ok(setCapState(s))
}

// lastCap is the kernel's last capability: /proc/sys/kernel/cap_last_cap,
// or, where no /proc is mounted (a chroot), the last one PR_CAPBSET_READ
// accepts.
func lastCap() (int, error) {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err == nil {
		return strconv.Atoi(strings.TrimSpace(string(b)))
	}
	for n := 63; n >= 0; n-- {
		if _, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0); err == nil {
			return n, nil
		}
	}
	return 0, sysErr("prctl PR_CAPBSET_READ", unix.EINVAL)
}

func sysCapLastCap(Node, Args) (any, error) {
	n, err := lastCap()
	return int64(n), err
}

// capsHeld lists the capabilities up to the kernel's last one for which
// the prctl query answers 1.
func capsHeld(name string, query func(n int) (int, error)) (any, error) {
	last, err := lastCap()
	if err != nil {
		return nil, err
	}
	var m uint64
	for n := 0; n <= last; n++ {
		r, err := query(n)
		if err != nil {
			return nil, sysErr(name, err)
		}
		if r == 1 {
			m |= 1 << n
		}
	}
	return capList(m), nil
}

func sysCapbset(Node, Args) (any, error) {
	return capsHeld("prctl PR_CAPBSET_READ", func(n int) (int, error) {
		return unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0)
	})
}

func sysAmbient(Node, Args) (any, error) {
	return capsHeld("prctl PR_CAP_AMBIENT_IS_SET", func(n int) (int, error) {
		return unix.PrctlRetInt(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_IS_SET, uintptr(n), 0, 0)
	})
}

// eachCap applies op to each capability of m, in order, and stops at the
// first failure, saying which were applied before it.
func eachCap(call string, m uint64, op func(n int) error) error {
	var done []string
	for _, c := range capList(m) {
		n, name := capNumber(c)
		if err := op(n); err != nil {
			return &PartialError{Call: call, Done: done, Failed: name, Err: err}
		}
		done = append(done, name)
	}
	return nil
}

func capNumber(c any) (int, string) {
	if n, ok := c.(int64); ok {
		return int(n), strconv.Itoa(int(n))
	}
	name := string(c.(Const))
	n, _ := Constant("cap", name)
	return int(n), name
}

// belowLastCap keeps the bits of m the kernel knows: a capability it
// does not have is in no set, so there is nothing to drop.
func belowLastCap(m uint64) (uint64, error) {
	last, err := lastCap()
	if err != nil || last >= 63 {
		return m, err
	}
	return m & (1<<(last+1) - 1), nil
}

func sysCapbsetDrop(_ Node, a Args) (any, error) {
	m, err := belowLastCap(uint64(a.Int(0)))
	if err != nil {
		return nil, err
	}
	return ok(eachCap("capbset_drop", m, func(n int) error {
		return unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(n), 0, 0, 0)
	}))
}

func sysCapbsetKeep(_ Node, a Args) (any, error) {
	all, err := belowLastCap(^uint64(0))
	if err != nil {
		return nil, err
	}
	return ok(eachCap("capbset_keep", all&^uint64(a.Int(0)), func(n int) error {
		return unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(n), 0, 0, 0)
	}))
}

func sysAmbientRaise(_ Node, a Args) (any, error) {
	return ok(eachCap("ambient_raise", uint64(a.Int(0)), func(n int) error {
		return unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(n), 0, 0)
	}))
}

func sysAmbientLower(_ Node, a Args) (any, error) {
	return ok(eachCap("ambient_lower", uint64(a.Int(0)), func(n int) error {
		return unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_LOWER, uintptr(n), 0, 0)
	}))
}

func sysAmbientClear(Node, Args) (any, error) {
	return ok(sysErr("prctl PR_CAP_AMBIENT_CLEAR_ALL",
		unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)))
}

func sysSecurebits(Node, Args) (any, error) {
	r, err := unix.PrctlRetInt(unix.PR_GET_SECUREBITS, 0, 0, 0, 0)
	if err != nil {
		return nil, sysErr("prctl PR_GET_SECUREBITS", err)
	}
	return secbitList(uint64(r)), nil
}

func sysSecurebitsSet(_ Node, a Args) (any, error) {
	return ok(sysErr("prctl PR_SET_SECUREBITS",
		unix.Prctl(unix.PR_SET_SECUREBITS, uintptr(a.Int(0)), 0, 0, 0)))
}
