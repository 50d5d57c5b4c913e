package builtins

import (
	"syscall"

	"golang.org/x/sys/unix"
)

var pidfdImpls = []namedImpl{
	{"pidfd_open", sysPidfdOpen},
	{"pidfd_send_signal", sysPidfdSendSignal},
	{"pidfd_getfd", sysPidfdGetfd},
}

func optFlags(a Args, i int) int {
	if a.Has(i) {
		return int(a.Int(i))
	}
	return 0
}

func sysPidfdOpen(_ Node, a Args) (any, error) {
	fd, err := unix.PidfdOpen(int(a.Int(0)), optFlags(a, 1))
	if err != nil {
		return nil, sysErr("pidfd_open", err)
	}
	return int64(fd), nil
}

func sysPidfdSendSignal(_ Node, a Args) (any, error) {
	return ok(sysErr("pidfd_send_signal", retry(func() error {
		return unix.PidfdSendSignal(int(a.Int(0)), syscall.Signal(a.Int(1)), nil, optFlags(a, 2))
	})))
}

func sysPidfdGetfd(_ Node, a Args) (any, error) {
	fd, err := unix.PidfdGetfd(int(a.Int(0)), int(a.Int(1)), 0)
	if err != nil {
		return nil, sysErr("pidfd_getfd", err)
	}
	return int64(fd), nil
}
