package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/wire"
)

// A caller that waits for an event (takeEvent) mutes the bell while it
// reads, and on letting go takes the rings back and reads what is there,
// a batch at most. Events past that batch must still be read: their rings
// were taken back with the others, so nobody else would come for them.
func TestUnmuteLeavesNoEventUnread(t *testing.T) {
	p := newTestPoller(t)
	n := newFakeNode(t, p)
	const events = 3 * readBatch
	sent := false
	done := func() bool {
		if !sent { // all at once, while the bell is muted
			sent = true
			for i := range events {
				n.write(t, wire.MsgEvent, 0, fmt.Sprint(i))
			}
			return false
		}
		return len(n.messages()) > 0
	}
	if !n.c.readUntil(time.Now().Add(time.Second), done, waitEvent) {
		t.Fatal("readUntil: token taken")
	}
	deadline := time.Now().Add(2 * time.Second)
	for len(n.messages()) < events {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events read; the rest stayed in the socket", len(n.messages()), events)
		}
		time.Sleep(time.Millisecond)
	}
	for i, m := range n.messages() {
		if m != fmt.Sprint(i) {
			t.Fatalf("event %d = %q, want %d (in order)", i, m, i)
		}
	}
}

// eventfdCount reads an eventfd's count (0 when nothing rang it).
func eventfdCount(t *testing.T, fd int) uint64 {
	t.Helper()
	var b [8]byte
	n, err := unix.Read(fd, b[:])
	if errors.Is(err, unix.EAGAIN) {
		return 0
	}
	if err != nil || n != 8 {
		t.Fatalf("reading eventfd: %d, %v", n, err)
	}
	return binary.LittleEndian.Uint64(b[:])
}

// A bell counts its rings as the node's do, and drain takes them back.
func TestBellRingsAndDrains(t *testing.T) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	peer, err := unix.Dup(fd) // the node's copy
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(peer)
	b := bellOf(fd)
	defer b.close()
	b.ring()
	b.ring()
	if n := eventfdCount(t, peer); n != 2 {
		t.Fatalf("two rings counted %d", n)
	}
	b.ring()
	b.drain()
	if n := eventfdCount(t, peer); n != 0 {
		t.Fatalf("after drain the bell still counts %d", n)
	}
}

// A closed bell rings nothing, not even an fd that took its number since.
func TestClosedBellRingsNothing(t *testing.T) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	b := bellOf(fd)
	b.close()
	again, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(again)
	if again != fd { // give it the closed bell's number
		if err := unix.Dup3(again, fd, unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
	}
	b.ring()
	b.drain()
	if n := eventfdCount(t, again); n != 0 {
		t.Fatalf("a closed bell rang fd %d (its old number %d): %d", again, fd, n)
	}
	var none *bell
	if none.shared() != nil {
		t.Fatal("no bell has a fd")
	}
}
