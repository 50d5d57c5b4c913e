package node

import (
	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/wire"
)

// maxCallFds bounds the fds a call may carry (fd_pass and pty carry one);
// the kernel closes any beyond the room made for them, and the call is
// refused (MSG_CTRUNC).
const maxCallFds = 4

// takeCallFds keeps the fds that came with the message just read (got),
// close-on-exec since MSG_CMSG_CLOEXEC.
func (n *node) takeCallFds(got bool) {
	n.callFds = n.callFds[:0]
	if !got || n.rh.Msg.Controllen == 0 {
		return
	}
	fds, _ := wire.ParseCmsgs(n.oob[:n.rh.Msg.Controllen])
	n.callFds = append(n.callFds, fds...)
	if n.rh.Msg.Flags&unix.MSG_CTRUNC != 0 { // some were lost: serve none
		n.closeCallFds()
	}
}

// closeCallFds closes the fds of the call just served that it did not take.
func (n *node) closeCallFds() {
	for _, fd := range n.callFds {
		unix.Close(fd)
	}
	n.callFds = n.callFds[:0]
}

// ReceivedFd implements builtins.Node.
func (n *node) ReceivedFd() (int, bool) {
	if len(n.callFds) == 0 {
		return -1, false
	}
	fd := n.callFds[0]
	n.callFds = n.callFds[1:]
	return fd, true
}
