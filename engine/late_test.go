package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/wire"
)

// A fork whose caller gave up before the reply (here the node was
// stopped) must not leave its child behind: the late reply, which
// brings the child's fds, must still be read, and dropped, so that the
// child, its control socket closed, ends. Nobody waits for that reply,
// and a reply rings no bell.
func TestLateForkReplyIsRead(t *testing.T) {
	e, ctx := start(t)
	c := booted(t, e, ctx, nil)
	pid := e.hostPid(t, c)
	unix.Kill(pid, unix.SIGSTOP)
	waitStopped(t, pid)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err := e.Call(short, c, "fork", nil)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		unix.Kill(pid, unix.SIGCONT)
		t.Fatalf("fork on a stopped node: %v, want a timeout", err)
	}
	unix.Kill(pid, unix.SIGCONT)
	// The node forks at once; its child, whose fds the driver drops, ends
	// as soon. Seen after a while, none must be left.
	resumed := time.Now()
	children := fmt.Sprintf("/proc/%d/task/%d/children", pid, pid)
	for {
		b, err := os.ReadFile(children)
		if err != nil {
			t.Fatal(err)
		}
		left := strings.Fields(string(b))
		if len(left) == 0 && time.Since(resumed) > 300*time.Millisecond {
			return
		}
		if time.Since(resumed) > 3*time.Second {
			t.Fatalf("children of %d after the fork that timed out: %v; want none", pid, left)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A new node's ready message that comes after waitReady gave up (the
// fork's caller got an error, the node stays in the tree) must still be
// read, so that the node learns its host pid: it rings no bell, and
// nobody waits for it any more.
func TestLateReadyIsRead(t *testing.T) {
	p := newTestPoller(t)
	n := newFakeNode(t, p)
	e := &Engine{}
	child := newProc(nil, 7)
	child.ctl = n.c
	err := e.waitReady(context.Background(), time.Now().Add(50*time.Millisecond), child)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waitReady with no ready message = %v, want a timeout", err)
	}
	n.write(t, wire.MsgReady, 0, "")
	for deadline := time.Now().Add(2 * time.Second); len(n.messages()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the late ready message was left in the socket")
		}
		time.Sleep(time.Millisecond)
	}
}

// The count of late messages never goes below zero, and the ready
// message counts once however often a wait for it gives up.
func TestLateRepliesCount(t *testing.T) {
	var l lateReplies
	l.came()
	if l.due() {
		t.Fatal("a message that came uncounted made the count go negative, or due")
	}
	l.expect()
	l.expect()
	l.came()
	if !l.due() {
		t.Fatal("one of two late messages came, none is due")
	}
	l.came()
	if l.due() {
		t.Fatal("both came, one still due")
	}
	if !l.readyDue() || l.readyDue() {
		t.Fatal("the ready message must be expected once, the first time")
	}
	l.expect() // as the caller does when readyDue says so
	l.readyCame()
	if l.due() {
		t.Fatal("the late ready message came, still due")
	}
	l.readyCame()
	l.expect()
	if !l.due() {
		t.Fatal("a ready message that was not late counted a late reply off")
	}
}
