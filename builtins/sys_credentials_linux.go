package builtins

import (
	"slices"
	"syscall"

	"golang.org/x/sys/unix"
)

func sysGetuid(Node, Args) (any, error)  { return int64(unix.Getuid()), nil }
func sysGeteuid(Node, Args) (any, error) { return int64(unix.Geteuid()), nil }
func sysGetgid(Node, Args) (any, error)  { return int64(unix.Getgid()), nil }
func sysGetegid(Node, Args) (any, error) { return int64(unix.Getegid()), nil }

func sysGetresuid(Node, Args) (any, error) {
	r, e, s := unix.Getresuid()
	return resRecord(r, e, s), nil
}

func sysGetresgid(Node, Args) (any, error) {
	r, e, s := unix.Getresgid()
	return resRecord(r, e, s), nil
}

func resRecord(r, e, s int) Record {
	return Record{"real": int64(r), "effective": int64(e), "saved": int64(s)}
}

// setresuid, setresgid and setgroups go through package syscall, which
// changes every thread of the process (x/sys/unix changes only the calling
// thread, and a thread left with the old ids would be a hole).
func sysSetresuid(_ Node, a Args) (any, error) {
	return ok(sysErr("setresuid", syscall.Setresuid(int(a.Int(0)), int(a.Int(1)), int(a.Int(2)))))
}

func sysSetresgid(_ Node, a Args) (any, error) {
	return ok(sysErr("setresgid", syscall.Setresgid(int(a.Int(0)), int(a.Int(1)), int(a.Int(2)))))
}

// sysGetgroups returns the groups sorted (alcove returns them reversed).
func sysGetgroups(Node, Args) (any, error) {
	gs, err := unix.Getgroups()
	if err != nil {
		return nil, sysErr("getgroups", err)
	}
	slices.Sort(gs)
	out := make([]any, len(gs))
	for i, g := range gs {
		out[i] = int64(g)
	}
	return out, nil
}

func sysSetgroups(_ Node, a Args) (any, error) {
	return ok(sysErr("setgroups", syscall.Setgroups(a.Ints(0))))
}
