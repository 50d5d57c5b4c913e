package builtins

import (
	"slices"

	"golang.org/x/sys/unix"
)

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
