package engine

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// recvHdr is a recvmsg(2) header and its one iovec, kept on the heap by
// their owner (the kernel writes them), so that a read allocates nothing:
// unix.Recvmsg allocates the sender's address at every read.
type recvHdr struct {
	msg unix.Msghdr
	iov unix.Iovec
}

// recv reads one message into buf, and control data into oob (nil for
// none). raw makes it a RawSyscall, for a wait in which the runtime must
// not take the thread's P (ctlConn's waitReply, node.awaitCalls).
func (h *recvHdr) recv(fd int, buf, oob []byte, flags int, raw bool) (int, syscall.Errno) {
	h.iov = unix.Iovec{Base: &buf[0]}
	h.iov.SetLen(len(buf))
	h.msg = unix.Msghdr{Iov: &h.iov, Iovlen: 1}
	if len(oob) > 0 {
		h.msg.Control = &oob[0]
		h.msg.SetControllen(len(oob))
	}
	var n uintptr
	var errno syscall.Errno
	if raw {
		n, _, errno = syscall.RawSyscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&h.msg)), uintptr(flags))
	} else {
		n, _, errno = syscall.Syscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&h.msg)), uintptr(flags))
	}
	return int(n), errno
}
