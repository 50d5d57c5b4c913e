package relay

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A call written to the engine's end of a stand-in control socket is on
// the stream once Pump returns, sent by the caller; the relay's reader,
// woken for the same message, does not send it again. With one P, the
// reader cannot have run between the write and the check: without
// Pump's send the stream is empty there.
func TestPumpSendsTheCallFromTheCaller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	fromHub, hubOut, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer hubOut.Close()
	hubIn, toHub, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer hubIn.Close()
	src := Reader(fromHub)
	m, err := NewDriver(bufio.NewReaderSize(src, 256<<10), src, toHub, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	root := []Announce{{1, KindPacket}, {2, KindSink}, {3, KindSource}, {4, KindSource}}
	if _, err := hubOut.Write(AppendFrame(nil, TRoot, 0, root, nil)); err != nil {
		t.Fatal(err)
	}
	fds, err := m.Root(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(fds)
	msg := []byte("a call")
	if _, err := unix.Write(fds[0], msg); err != nil {
		t.Fatal(err)
	}
	Pump(fds[0])
	want := AppendFrame(nil, TMsg, 1, nil, msg)
	if got := readNow(t, hubIn); !bytes.Equal(got, want) {
		t.Fatalf("the stream once Pump returned: % x, want % x", got, want)
	}
	time.Sleep(20 * time.Millisecond) // the reader's turn
	if got := readNow(t, hubIn); len(got) != 0 {
		t.Fatalf("the stream after the relay's reader ran: % x, want nothing more", got)
	}
}

// readNow is what f holds now, without waiting.
func readNow(t *testing.T, f *os.File) []byte {
	t.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	var n int
	rc.Control(func(fd uintptr) { n, err = unix.Read(int(fd), buf) })
	if errors.Is(err, unix.EAGAIN) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}
