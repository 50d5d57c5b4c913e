package engine

import (
	"fmt"
	"testing"
	"time"

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
