package relay

import (
	"testing"

	"golang.org/x/sys/unix"
)

// An empty message on a packet socket reads as 0 bytes, as its end
// does; packetsEnded tells them apart: the end is a peer that shut down
// with no bytes left queued.
func TestPacketsEndedTellsEmptyMessagesFromTheEnd(t *testing.T) {
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	mine, peer := sp[0], sp[1]
	defer unix.Close(mine)
	buf := make([]byte, 16)
	read := func(want string, ended bool) {
		t.Helper()
		n, err := unix.Read(mine, buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("read %q, %v; want %q", buf[:max(n, 0)], err, want)
		}
		if got := packetsEnded(mine); n == 0 && got != ended {
			t.Fatalf("after %q: ended %v, want %v", want, got, ended)
		}
	}
	for _, m := range []string{"", "", "x", "", "y", ""} {
		if _, err := unix.Write(peer, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	read("", false) // two empty messages in a row, the peer there
	read("", false)
	read("x", false)
	unix.Close(peer)
	read("", false) // the peer is gone, but "y" follows
	read("y", false)
	read("", true) // its last words: nothing follows them
	read("", true) // the end
}
