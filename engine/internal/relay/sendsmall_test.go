package relay

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A credit granted while the stream is full does not wait for it (the
// stream's reader grants credit, and must go on reading): it is queued,
// and goes out, whole and after what was in the stream, once there is
// room.
func TestSendSmallNeverWaitsForAFullStream(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m, err := newMux(true, nil, nil, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	out := m.out.(*rawFile)
	filled := 0
	out.rc.Control(func(fd uintptr) {
		chunk := make([]byte, 4096)
		for {
			n, err := rawWrite(int(fd), chunk)
			if errors.Is(err, unix.EAGAIN) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			filled += n
		}
	})
	credit := creditFrame(7, 12345)
	done := make(chan struct{})
	go func() {
		m.sendNoWait(credit)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("sendNoWait waited for a full stream")
	}
	r.SetReadDeadline(time.Now().Add(5 * time.Second)) // a frame lost is an error, not a hang
	got := make([]byte, filled+len(credit))
	if _, err := io.ReadFull(r, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[filled:], credit) || bytes.ContainsFunc(got[:filled], func(c rune) bool { return c != 0 }) {
		t.Fatalf("the stream after %d bytes of filling: % x, want % x", filled, got[filled:], credit)
	}
}
