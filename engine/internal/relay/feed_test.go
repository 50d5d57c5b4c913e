package relay

import (
	"bufio"
	"os"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// recordingFeed is a Feed that keeps what it is given; paused, it
// refuses Put.
type recordingFeed struct {
	mu     sync.Mutex
	paused bool
	got    []byte
	ended  bool
}

func (f *recordingFeed) Put(data []byte) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.paused {
		return false, nil
	}
	f.got = append(f.got, data...)
	return true, nil
}

func (f *recordingFeed) Take(data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, data...)
}

func (f *recordingFeed) Wait() {}

func (f *recordingFeed) End() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = true
}

func (f *recordingFeed) state() (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return string(f.got), f.ended
}

// driverMux is a driver Mux over a stream nobody writes.
func driverMux(t *testing.T) *Mux {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	m, err := newMux(false, bufio.NewReader(r), r, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); r.Close() })
	return m
}

// FeedFrom takes only the engine's end of an output stand-in that holds
// nothing: another fd, or a stand-in with bytes in it, stays as it is
// (the bytes still there to read).
func TestRelayFeedFromTakesOnlyAnEmptyStandIn(t *testing.T) {
	m := driverMux(t)
	ends, err := m.standIns([]Announce{{Chan: 5, Kind: KindSource}, {Chan: 6, Kind: KindSource}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(ends)
	var other [2]int
	if err := unix.Pipe(other[:]); err != nil {
		t.Fatal(err)
	}
	defer closeAll(other[:])
	if _, ok := m.FeedFrom(other[0], &recordingFeed{}); ok {
		t.Fatal("FeedFrom took a pipe that is no stand-in")
	}
	if err := m.lookup(6).deliver([]byte("early"), nil, false); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.FeedFrom(ends[1], &recordingFeed{}); ok {
		t.Fatal("FeedFrom took a stand-in that holds bytes")
	}
	buf := make([]byte, 16)
	if n, err := unix.Read(ends[1], buf); err != nil || string(buf[:n]) != "early" {
		t.Fatalf("the stand-in left as it was gives %q, %v", buf[:n], err)
	}
	if _, ok := m.FeedFrom(ends[0], &recordingFeed{}); !ok {
		t.Fatal("FeedFrom refused an empty stand-in")
	}
}

// A fed channel hands its frames to the feed; while the feed is paused
// they are queued, without credit, and a Drain hands them over in order;
// the channel's close is the feed's End.
func TestRelayFedChannelQueuesWhilePausedAndDrains(t *testing.T) {
	m := driverMux(t)
	ends, err := m.standIns([]Announce{{Chan: 5, Kind: KindSource}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(ends)
	f := &recordingFeed{}
	fed, ok := m.FeedFrom(ends[0], f)
	if !ok {
		t.Fatal("FeedFrom refused an empty stand-in")
	}
	c := m.lookup(5)
	c.deliver([]byte("one,"), nil, false)
	f.mu.Lock()
	f.paused = true
	f.mu.Unlock()
	c.deliver([]byte("two,"), nil, false)
	c.deliver([]byte("three"), nil, false)
	if got, _ := f.state(); got != "one," {
		t.Fatalf("the paused feed has %q, want %q", got, "one,")
	}
	c.mu.Lock()
	queued, granted := c.queued, c.granted
	c.mu.Unlock()
	if queued != len("two,three") || granted != len("one,") {
		t.Fatalf("queued %d, credited %d: want %d queued, %d credited", queued, granted, len("two,three"), len("one,"))
	}
	fed.Drain()
	if got, _ := f.state(); got != "one,two,three" {
		t.Fatalf("after Drain the feed has %q", got)
	}
	c.close()
	if _, ended := f.state(); !ended {
		t.Fatal("the channel closed and the feed did not end")
	}
}
