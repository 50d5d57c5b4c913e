package builtins

import (
	"errors"

	"golang.org/x/sys/unix"
)

// A Go node is multithreaded, and the kernel refuses to move a
// multithreaded process into a new user namespace (unshare and setns both
// fail with EINVAL). This error keeps that errno and says what works.
func userNSError(op string) error {
	return sysErr(op+" clone_newuser: a Go node is multithreaded and cannot change its user namespace in place;"+
		" create a child in one with clone [...] [clone_newuser]", unix.EINVAL)
}

// sysUnshare is unshare of a user namespace, or with maps: the other forms
// are runtime-free (the engine's proto package), made on the node's main
// thread, the thread every later call, fork and exec runs on.
func sysUnshare(n Node, a Args) (any, error) {
	flags := int(a.Int(0))
	maps, err := optRecord(a, 1, "unshare", "maps", "{uid: \"0 1000 1\", gid: …}")
	if err != nil {
		return nil, err
	}
	if flags&unix.CLONE_NEWUSER == 0 {
		return nil, &ArgError{Call: "unshare", N: 2, Name: "maps", Msg: "only with clone_newuser"}
	}
	return ok(n.UnshareUser(a.Int(0), maps))
}

// sysSetns joins a namespace. A mount namespace needs a private fs struct,
// which Go's threads share, so CLONE_FS is unshared first when the type
// may be mnt (nstype clone_newns or 0).
func sysSetns(_ Node, a Args) (any, error) {
	fd, nstype := int(a.Int(0)), 0
	if a.Has(1) {
		nstype = int(a.Int(1))
	}
	if nstype&unix.CLONE_NEWUSER != 0 {
		return nil, userNSError("setns")
	}
	if nstype == 0 || nstype&unix.CLONE_NEWNS != 0 {
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			return nil, sysErr("unshare CLONE_FS", err)
		}
	}
	err := retry(func() error { return unix.Setns(fd, nstype) })
	if errors.Is(err, unix.EINVAL) && nsType(fd) == unix.CLONE_NEWUSER {
		return nil, userNSError("setns")
	}
	return ok(sysErr("setns", err))
}

// nsType asks the kernel what kind of namespace fd refers to (0 if unknown).
func nsType(fd int) int {
	t, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	if err != nil {
		return 0
	}
	return t
}
