package builtins

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// read, write and lseek are runtime-free (engine/internal/proto), and
// fcntl with an int argument: this is fcntl with a pointer (f_getlk…),
// which gets the int as its address.
func sysFcntl(_ Node, a Args) (any, error) {
	var arg int
	if a.Has(2) {
		arg = int(a.Int(2))
	}
	var r int
	err := retry(func() (err error) { r, err = unix.FcntlInt(uintptr(a.Int(0)), int(a.Int(1)), arg); return err })
	return intResult(int64(r), sysErr("fcntl", err))
}

func sysSocket(_ Node, a Args) (any, error) {
	var proto int
	if a.Has(2) {
		proto = int(a.Int(2))
	}
	fd, err := unix.Socket(int(a.Int(0)), int(a.Int(1)), proto)
	return intResult(int64(fd), sysErr("socket", err))
}

// sysSelect waits with select(2) and returns the ready fds of each list,
// in the order given. Errors are reported (alcove turns them into badarg).
func sysSelect(_ Node, a Args) (any, error) {
	tv, err := selectTimeout(a)
	if err != nil {
		return nil, err
	}
	lists := [3][]int{a.Ints(0), a.Ints(1), a.Ints(2)}
	var sets [3]unix.FdSet
	err = retry(func() error {
		nfd, err := fillSets(&sets, lists)
		if err != nil {
			return err
		}
		_, err = unix.Select(nfd, &sets[0], &sets[1], &sets[2], tv)
		return err
	})
	if err != nil {
		return nil, sysErr("select", err)
	}
	return Record{"read": readyFds(&sets[0], lists[0]), "write": readyFds(&sets[1], lists[1]),
		"except": readyFds(&sets[2], lists[2])}, nil
}

// fillSets builds the fd sets and returns the highest fd plus one. An fd
// outside 0..1023 cannot be in an fd_set: EINVAL, where glibc's FD_SET
// would write out of bounds. A closed fd is EBADF: the kernel's select
// checks only fds below the size of the fd table and leaves the bits of
// the others as they were, which would report them ready.
func fillSets(sets *[3]unix.FdSet, lists [3][]int) (int, error) {
	nfd := 0
	for i, l := range lists {
		sets[i].Zero()
		for _, fd := range l {
			if fd < 0 || fd >= unix.FD_SETSIZE {
				return 0, unix.EINVAL
			}
			if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
				return 0, err
			}
			sets[i].Set(fd)
			nfd = max(nfd, fd+1)
		}
	}
	return nfd, nil
}

func readyFds(set *unix.FdSet, l []int) []any {
	out := []any{}
	for _, fd := range l {
		if set.IsSet(fd) {
			out = append(out, int64(fd))
		}
	}
	return out
}

// selectTimeout reads the optional timeout: absent, ok or [] blocks; a
// record {sec, usec} bounds the wait.
func selectTimeout(a Args) (*unix.Timeval, error) {
	if !a.Has(3) {
		return nil, nil
	}
	switch v := a.Value(3).(type) {
	case nil:
		return nil, nil
	case []any:
		if len(v) == 0 {
			return nil, nil
		}
	case Record:
		sec, ok1 := v["sec"].(int64)
		usec, ok2 := v["usec"].(int64)
		if ok1 && ok2 && len(v) == 2 {
			return &unix.Timeval{Sec: sec, Usec: usec}, nil
		}
	}
	return nil, &ArgError{Call: "select", N: 4, Name: "timeout",
		Msg: fmt.Sprintf("want {sec: N, usec: N} or ok, got %s", Format(a.Value(3)))}
}
