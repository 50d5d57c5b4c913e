package wire

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SendNow sends one message (no control data) if the socket has room,
// without waiting (MSG_DONTWAIT), in a RawSyscall: a send that cannot
// block need not tell the runtime, and a Syscall let sysmon take the
// sender's P while the peer it woke ran on the sender's CPU, then move
// the sender to another thread (the driver's callers, ctl_linux.go's
// sendNow; a node's replies, node's sendCtl). EAGAIN: the socket is
// full, nothing was sent.
func SendNow(fd int, b []byte) syscall.Errno {
	if len(b) == 0 {
		return syscall.EINVAL
	}
	_, _, e := syscall.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)),
		unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT, 0, 0)
	return e
}
