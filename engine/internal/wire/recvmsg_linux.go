package wire

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// RecvHdr is a recvmsg(2) header and its one iovec, kept on the heap by
// their owner (the kernel writes them), so that a read allocates nothing:
// unix.Recvmsg allocates the sender's address at every read.
type RecvHdr struct {
	Msg unix.Msghdr
	iov unix.Iovec
}

// recv reads one message into buf, and control data into oob (nil for
// none). raw makes it a RawSyscall, for a wait in which the runtime must
// not take the thread's P (ctlConn's waitReply, node.awaitCalls).
func (h *RecvHdr) Recv(fd int, buf, oob []byte, flags int, raw bool) (int, syscall.Errno) {
	h.iov = unix.Iovec{Base: &buf[0]}
	h.iov.SetLen(len(buf))
	h.Msg = unix.Msghdr{Iov: &h.iov, Iovlen: 1}
	if len(oob) > 0 {
		h.Msg.Control = &oob[0]
		h.Msg.SetControllen(len(oob))
	}
	var n uintptr
	var errno syscall.Errno
	if raw {
		n, _, errno = syscall.RawSyscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&h.Msg)), uintptr(flags))
	} else {
		n, _, errno = syscall.Syscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&h.Msg)), uintptr(flags))
	}
	return int(n), errno
}

// ParseCmsgs returns the fds passed with a message and the sender's pid
// from its credentials, if any.
func ParseCmsgs(oob []byte) (fds []int, pid int) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, 0
	}
	for _, m := range msgs {
		if r, err := unix.ParseUnixRights(&m); err == nil {
			fds = append(fds, r...)
		} else if c, err := unix.ParseUnixCredentials(&m); err == nil {
			pid = int(c.Pid)
		}
	}
	return fds, pid
}
