package relay

import (
	"os"
	"sync"
	"syscall"
	"testing"
)

// writeOut asks its op for the bytes still to move: a splice asked for a
// frame's whole length again after a partial move took the bytes of the
// next frame too, past the length its header gave.
func TestWriteOutAsksForWhatIsLeft(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	rc, err := w.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	m := &Mux{pipeOut: rc}
	var asked []int
	moved := 0
	err = m.writeOut(func(out, left int) (int, error) {
		asked = append(asked, left)
		k := min(left, 3) // the stream takes 3 bytes at a time
		moved += k
		return k, nil
	}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if moved != 10 || len(asked) != 4 || asked[0] != 10 || asked[1] != 7 || asked[2] != 4 || asked[3] != 1 {
		t.Errorf("moved %d bytes, asked for %v: want 10, asked for [10 7 4 1]", moved, asked)
	}
}

// A channel may have queued its credit and a drain of a full widened
// pipe (the hub drains a node's pipes past the credit at its exit, so
// that the output comes before the exit event); a frame past that is a
// protocol error.
func TestDeliverTakesADrainPastTheCredit(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fds[1])
	f := os.NewFile(uintptr(fds[0]), "full")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	m := &Mux{}
	c := &channel{m: m, id: 8, kind: KindSource, f: f, rc: rc, write: true, credit: Window, drainFd: -1, bell: -1, end: -1}
	c.cond = sync.NewCond(&c.mu)
	c.queue = []pending{{data: make([]byte, 1)}} // the fd takes nothing for now: all is queued
	c.writing = true                             // as if writeLoop ran, waiting for room
	frame := make([]byte, dataChunk)
	queued := 0
	for queued+len(frame) <= Window+pipeSize {
		if err := c.deliver(frame, nil, false); err != nil {
			t.Fatalf("after %d bytes queued (a window and a drained pipe are %d): %v", queued, Window+pipeSize, err)
		}
		queued += len(frame)
	}
	for queued <= maxQueued {
		if err := c.deliver(frame, nil, false); err != nil {
			return // the bound
		}
		queued += len(frame)
	}
	t.Fatalf("%d bytes queued past the bound %d without an error", queued, maxQueued)
}
