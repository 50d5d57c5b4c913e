package builtins

import (
	"fmt"

	"golang.org/x/sys/unix"
)

var terminalImpls = []namedImpl{
	{"fd_send", sysFdSend},
	{"fd_recv", sysFdRecv},
	{"pty", sysPty},
}

// fdInheritable is fd_pass's flag: the received fd stays open across exec.
const fdInheritable = 1

// sysFdSend answers with a copy of fd, which the reply carries to the
// driver; the node keeps its own.
func sysFdSend(_ Node, a Args) (any, error) {
	fd := int(a.Int(0))
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, sysErr("fd_send", err)
	}
	return &WithFds{Value: int64(fd), Fds: []int{dup}}, nil
}

// sysFdRecv keeps the fd that came with the call: where it arrived
// (close-on-exec unless fd_inheritable), or at target. A target may
// replace the node's stdio (0, 1, 2) or take a free number, never one of
// the node's own fds.
func sysFdRecv(n Node, a Args) (any, error) {
	flags, target := a.Int(0), int(a.Int(1))
	if flags&^fdInheritable != 0 {
		return nil, &ArgError{Call: "fd_recv", N: 1, Name: "flags", Msg: fmt.Sprintf("unknown flags %#x (only fd_inheritable)", flags&^fdInheritable)}
	}
	fd, ok := n.ReceivedFd()
	if !ok {
		return nil, &ArgError{Call: "fd_recv", Msg: "no fd came with the call: fd_recv is fd_pass's receiving half, made by the driver (use fd_pass)"}
	}
	inherit := flags&fdInheritable != 0
	if target < 0 {
		if inherit {
			if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
				unix.Close(fd)
				return nil, sysErr("fcntl", err)
			}
		}
		return int64(fd), nil
	}
	defer unix.Close(fd)
	if target > 2 && fdIsOpen(target) {
		return nil, fmt.Errorf("fd_recv: fd %d is the node's own (a target must be 0, 1, 2 or a number free in the node): %w", target, unix.EBUSY)
	}
	dflags := unix.O_CLOEXEC
	if inherit {
		dflags = 0
	}
	if err := unix.Dup3(fd, target, dflags); err != nil {
		return nil, sysErr("dup3", err)
	}
	return int64(target), nil
}

func fdIsOpen(fd int) bool {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	return err == nil
}

// sysPty makes the terminal that came with the call (its slave side,
// opened by the driver) the node's stdin, stdout, stderr and controlling
// terminal, in a new session: what the node execs runs on it.
func sysPty(n Node, _ Args) (any, error) {
	fd, ok := n.ReceivedFd()
	if !ok {
		return nil, &ArgError{Call: "pty", Msg: "no terminal came with the call: the driver opens it and passes it with pty"}
	}
	defer unix.Close(fd)
	if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err != nil {
		return nil, sysErr("pty", fmt.Errorf("the fd passed is not a terminal: %w", err))
	}
	if _, err := unix.Setsid(); err != nil {
		return nil, sysErr("setsid", err)
	}
	if err := unix.IoctlSetInt(fd, unix.TIOCSCTTY, 0); err != nil {
		return nil, sysErr("ioctl TIOCSCTTY", err)
	}
	for std := 0; std <= 2; std++ {
		if err := unix.Dup3(fd, std, 0); err != nil {
			return nil, sysErr("dup3", err)
		}
	}
	return nil, nil
}
