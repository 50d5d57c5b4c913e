package engine

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/wire"
)

// A fake node, for the tests of the driver's reading of control sockets:
// the test plays the node on the other end of a socketpair, so that it
// decides exactly what is in each socket and when.

// fakeNode is a ctlConn on one end of a socketpair, registered with a
// poller; the test is the node at the other end (node), which rings its
// bell after each event, as a node does.
type fakeNode struct {
	c    *ctlConn
	node int
	bell int // the node's copy of the eventfd
	mu   sync.Mutex
	got  []string // bodies of the non-reply messages handled, in order
	seen chan struct{}
}

// newTestConn makes a conn over a fresh socketpair; node is the other end.
func newTestConn(t testing.TB) (c *ctlConn, node int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	c, err = newCtlConn(fds[0])
	if err != nil {
		t.Fatal(err)
	}
	return c, fds[1]
}

// newFakeNode makes a fake node whose replies (wire.MsgReply) go to their
// callers with the body as a string value, and whose other messages are
// recorded in got.
func newFakeNode(t testing.TB, p *ctlPoller) *fakeNode {
	t.Helper()
	c, node := newTestConn(t)
	n := &fakeNode{c: c, node: node, bell: newBell(t, c), seen: make(chan struct{}, 1<<16)}
	c.handle = func(m ctlMsg) {
		closeInts(m.fds)
		if m.typ == wire.MsgReply {
			c.deliver(m.id, result{val: string(m.body)})
			return
		}
		n.mu.Lock()
		n.got = append(n.got, string(m.body))
		n.mu.Unlock()
		n.seen <- struct{}{}
	}
	if err := p.add(c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.close()
		unix.Close(n.node)
		unix.Close(n.bell)
	})
	return n
}

// newBell gives c a bell, as a fork's reply does, and returns the node's
// copy.
func newBell(t testing.TB, c *ctlConn) int {
	t.Helper()
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := unix.Dup(fd)
	if err != nil {
		t.Fatal(err)
	}
	c.setBell(mine)
	return fd
}

// ring rings a node's bell, as node.ring does.
func ringBell(fd int) { unix.Write(fd, wire.BellRing[:]) }

func (n *fakeNode) messages() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.got...)
}

// write sends one message from the node, and rings the bell after an
// event.
func (n *fakeNode) write(t testing.TB, typ byte, id uint32, body string) {
	t.Helper()
	if _, err := unix.Write(n.node, append(wire.PutHeader(nil, typ, id), body...)); err != nil {
		t.Fatal(err)
	}
	if typ == wire.MsgEvent {
		ringBell(n.bell)
	}
}

func newTestPoller(t testing.TB) *ctlPoller {
	t.Helper()
	p, err := newCtlPoller()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	return p
}

// pendingCall registers a call id on c as call does, without sending
// anything, and returns where its result comes.
func pendingCall(c *ctlConn, id uint32) chan result {
	ch := make(chan result, 1)
	c.mu.Lock()
	c.pending[id] = &waiter{ch: ch}
	c.mu.Unlock()
	return ch
}

func waitResult(t testing.TB, ch chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no result in 5 s")
		return result{}
	}
}

func cpuTime(t testing.TB) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// waitHangup waits until a node's end of the socket fd is closed: once
// its last thread exited (the process is a zombie before that, while its
// other threads exit).
func waitHangup(t testing.TB, fd int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
		if unix.Poll(pfd, 10); pfd[0].Revents&unix.POLLHUP != 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no hang-up")
		}
	}
}

func waitStopped(t testing.TB, pid int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i > 0 && i+2 < len(s) && s[i+2] == 'T' {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d did not stop", pid)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitFds waits until the driver's fds are base again.
func waitFds(t testing.TB, base map[string]bool, round int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		now := fdNames(t)
		var extra []string
		for fd := range now {
			if !base[fd] {
				extra = append(extra, fd)
			}
		}
		if len(extra) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("round %d: fds left after Close: %v", round, extra)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fdNames lists the driver's open fds as "number→target".
func fdNames(t testing.TB) map[string]bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, ent := range ents {
		target, err := os.Readlink("/proc/self/fd/" + ent.Name())
		if err != nil {
			continue // the directory's own fd
		}
		out[ent.Name()+"→"+target] = true
	}
	return out
}
