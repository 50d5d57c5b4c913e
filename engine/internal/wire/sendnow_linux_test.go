package wire

import (
	"bytes"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSendNowNeverWaits: SendNow sends whole messages while the socket
// has room, then says EAGAIN at once with nothing sent, and refuses an
// empty message.
func TestSendNowNeverWaits(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	if e := SendNow(fds[0], nil); e != syscall.EINVAL {
		t.Fatalf("empty message: %v, want EINVAL", e)
	}
	msg := bytes.Repeat([]byte{7}, 1000)
	sent := 0
	for ; sent < 1<<20; sent++ {
		e := SendNow(fds[0], msg)
		if e == syscall.EAGAIN {
			break
		}
		if e != 0 {
			t.Fatalf("send %d: %v", sent, e)
		}
	}
	if sent == 0 || sent == 1<<20 {
		t.Fatalf("%d messages sent before EAGAIN", sent)
	}
	buf := make([]byte, 2000)
	for i := 0; i < sent; i++ {
		n, _, err := unix.Recvfrom(fds[1], buf, unix.MSG_DONTWAIT)
		if err != nil || n != len(msg) {
			t.Fatalf("message %d of %d: %d bytes, %v", i, sent, n, err)
		}
	}
	if _, _, err := unix.Recvfrom(fds[1], buf, unix.MSG_DONTWAIT); err != unix.EAGAIN {
		t.Fatalf("a message after the %d sent: %v", sent, err)
	}
}
