package proto

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// The runtime-free link_up and link_down: an interface's IFF_UP flag set
// or cleared through the ioctls of netdevice(7), as ifconfig does, on an
// AF_INET datagram socket made for the call and closed on every path.
// They are step calls (a socket and two ioctls): a failed one changed no
// flag, so the node makes it again and words its error (an unknown name
// lists the namespace's interfaces: builtins.LinkCallError). A name the
// kernel could not hold is the node's Go code's, which refuses it before
// any system call (linkNameFits, builtins' checkIfname).

const (
	rawLinkUp = iota + 120
	rawLinkDown
)

// ifreqSize is struct ifreq's size on a 64-bit kernel (the name, then a
// union of 24 bytes); a 32-bit kernel reads its first 32.
const ifreqSize = unix.IFNAMSIZ + 24

// ifrFlagsOff is where ifr_flags (a short) lies in struct ifreq.
const ifrFlagsOff = unix.IFNAMSIZ

// linkScratch is what the call's ioctls point at.
type linkScratch struct {
	ifr [ifreqSize]byte // struct ifreq: the name, NUL-padded, and the flags
}

// linkNameFits: the name is one the kernel could hold, as checkIfname
// wants it: 1 to IFNAMSIZ-1 bytes, none of builtins.IfnameBad.
//
//go:norace
//go:nosplit
func linkNameFits(w *Words) bool {
	n := w.N[0]
	if w.Given != 1 || n == 0 || n >= unix.IFNAMSIZ || w.Nul&1 != 0 {
		return false
	}
	for i := 0; i < n; i++ {
		c := linkNameByte(w, i)
		for j := 0; j < len(builtins.IfnameBad); j++ {
			if c == builtins.IfnameBad[j] {
				return false
			}
		}
	}
	return true
}

// linkNameByte is byte i of the name (the string argument's word read
// as a pointer, as llPlan reads landlock's).
//
//go:norace
//go:nosplit
func linkNameByte(w *Words, i int) byte {
	return *(*byte)(unsafe.Add(*(*unsafe.Pointer)(unsafe.Pointer(&w.W[0])), i))
}

// linkRun sets (up) or clears IFF_UP on the interface named by the
// call's argument: SIOCGIFFLAGS, then SIOCSIFFLAGS with the flags read
// (made even when they already hold: it asks for CAP_NET_ADMIN, as the
// rtnetlink request the node made before did).
//
//go:norace
//go:nosplit
func linkRun(w *Words, up bool) StepResult {
	s := &w.Link
	s.ifr = [ifreqSize]byte{}
	for i := 0; i < w.N[0] && i < unix.IFNAMSIZ-1; i++ {
		s.ifr[i] = linkNameByte(w, i)
	}
	fd, _, e := syscall.RawSyscall6(unix.SYS_SOCKET, unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0, 0, 0, 0)
	if e != 0 {
		return StepResult{Errno: e, Failed: -1}
	}
	_, _, e = syscall.RawSyscall6(unix.SYS_IOCTL, fd, unix.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&s.ifr[0])), 0, 0, 0)
	if e == 0 {
		flags := (*uint16)(unsafe.Pointer(&s.ifr[ifrFlagsOff]))
		if up {
			*flags |= unix.IFF_UP
		} else {
			*flags &^= unix.IFF_UP
		}
		_, _, e = syscall.RawSyscall6(unix.SYS_IOCTL, fd, unix.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&s.ifr[0])), 0, 0, 0)
	}
	syscall.RawSyscall6(unix.SYS_CLOSE, fd, 0, 0, 0, 0, 0)
	return StepResult{Errno: e, Failed: -1}
}
