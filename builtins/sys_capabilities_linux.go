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

// CapCallError words the failure of a capability call that the
// runtime-free code made (engine/internal/proto, rawcaps_linux.go): a
// call of one prctl as that prctl's error; a call over a list as a
// PartialError naming the capabilities applied before the one that
// failed.
func CapCallError(call string, done uint64, failed int, err error) error {
	switch call {
	case "ambient_clear":
		return sysErr("prctl PR_CAP_AMBIENT_CLEAR_ALL", err)
	case "securebits_set":
		return sysErr("prctl PR_SET_SECUREBITS", err)
	}
	var names []string
	for _, c := range capList(done) {
		_, name := capNumber(c)
		names = append(names, name)
	}
	_, name := capNumber(capList(1 << failed)[0])
	return &PartialError{Call: call, Done: names, Failed: name, Err: err}
}

func capNumber(c any) (int, string) {
	if n, ok := c.(int64); ok {
		return int(n), strconv.Itoa(int(n))
	}
	name := string(c.(Const))
	n, _ := Constant("cap", name)
	return int(n), name
}

func sysSecurebits(Node, Args) (any, error) {
	r, err := unix.PrctlRetInt(unix.PR_GET_SECUREBITS, 0, 0, 0, 0)
	if err != nil {
		return nil, sysErr("prctl PR_GET_SECUREBITS", err)
	}
	return secbitList(uint64(r)), nil
}
