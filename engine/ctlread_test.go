package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/wire"
)

// Tests of the driver's reading of control sockets (ctlPoller, ctlConn):
// resets, hang-ups, wake-ups, deadlines, reused fds, floods and closes
// racing reads. Most play the node themselves (fakeNode).

// A node that ends while a call of the driver sits unread in its socket
// makes the kernel report ECONNRESET on the driver's end once, before the
// messages still queued there: the reply and the event the node sent
// before it ended must still be read, in order, and only then the conn
// closes.
func TestCtlResetKeepsQueuedMessages(t *testing.T) {
	p := newTestPoller(t)
	n := newFakeNode(t, p)
	mustTake(t, n.c) // nobody reads until the node is gone
	ch := pendingCall(n.c, 7)
	if err := n.c.send(append(wire.PutHeader(nil, wire.MsgCall, 8), 0, 0)); err != nil {
		t.Fatal(err) // a call the node never reads
	}
	n.write(t, wire.MsgReply, 7, "seven")
	n.write(t, wire.MsgEvent, 0, "last words")
	unix.Close(n.node)
	n.node = -1
	n.c.release()
	r := waitResult(t, ch)
	if r.err != nil || r.val != "seven" {
		t.Fatalf("reply = %v, %v; want seven (the reply came before the node ended)", r.val, r.err)
	}
	select {
	case <-n.c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the conn did not close after the node ended")
	}
	if got := n.messages(); len(got) != 1 || got[0] != "last words" {
		t.Fatalf("events = %q, want the node's last one", got)
	}
}

// The same read by a caller that owns the socket and waits in recvmsg
// (readUntil's read): the reply first, then the end.
func TestCtlResetKeepsReplyForOwner(t *testing.T) {
	p := newTestPoller(t)
	n := newFakeNode(t, p)
	mustTake(t, n.c)
	defer n.c.release()
	ch := pendingCall(n.c, 9)
	if err := n.c.send(append(wire.PutHeader(nil, wire.MsgCall, 9), 0, 0)); err != nil {
		t.Fatal(err) // unread by the node
	}
	n.write(t, wire.MsgReply, 9, "nine")
	unix.Close(n.node)
	n.node = -1
	if alive, got := n.c.readOne(true, false); !alive || !got {
		t.Fatalf("readOne = alive %v, got %v; want the reply", alive, got)
	}
	if r := waitResult(t, ch); r.err != nil || r.val != "nine" {
		t.Fatalf("reply = %v, %v; want nine", r.val, r.err)
	}
	if alive, _ := n.c.readOne(true, false); alive {
		t.Fatal("the conn lives on after the node's end")
	}
}

// A caller that owns a socket whose node hung up does not make the
// poller spin: epoll reports a hang-up whatever the mask, and only
// EPOLLONESHOT keeps it to one report.
func TestCtlHangupWhileOwnedNoBusyLoop(t *testing.T) {
	p := newTestPoller(t)
	n := newFakeNode(t, p)
	mustTake(t, n.c)
	unix.Close(n.node)
	n.node = -1
	before := cpuTime(t)
	time.Sleep(300 * time.Millisecond)
	used := cpuTime(t) - before
	n.c.release()
	select {
	case <-n.c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the hang-up was not seen once the owner let go")
	}
	if used > 100*time.Millisecond {
		t.Fatalf("the driver used %v of CPU in 300 ms with an owned, hung-up socket", used)
	}
}

// No message is left unread: callers take and let go of sockets while
// their nodes answer and also send events at any moment;
// once the traffic stops, every event is handled without another call
// to wake anything.
func TestCtlNoLostWakeup(t *testing.T) {
	p := newTestPoller(t)
	const nodes, callers, calls = 4, 3, 400
	var sent atomic.Int64
	var fns []*fakeNode
	var nodeWG sync.WaitGroup
	for i := 0; i < nodes; i++ {
		n := newFakeNode(t, p)
		fns = append(fns, n)
		nodeWG.Add(1)
		go func(n *fakeNode, seed int) { // the node: answers every call, sometimes with an event before or after
			defer nodeWG.Done()
			buf := make([]byte, 256)
			for k := seed; ; k++ {
				m, err := unix.Read(n.node, buf)
				if err != nil || m == 0 {
					return
				}
				if m < wire.HeaderLen {
					continue
				}
				_, id, _, _ := wire.ParseHeader(buf[:m])
				if k%3 == 0 {
					sent.Add(1)
					unix.Write(n.node, append(wire.PutHeader(nil, wire.MsgEvent, 0), "before"...))
					ringBell(n.bell)
				}
				unix.Write(n.node, append(wire.PutHeader(nil, wire.MsgReply, id), "r"...))
				if k%5 == 0 {
					sent.Add(1)
					unix.Write(n.node, append(wire.PutHeader(nil, wire.MsgEvent, 0), "after"...))
					ringBell(n.bell)
				}
			}
		}(n, i)
	}
	var nextID atomic.Uint32
	var wg sync.WaitGroup
	for i := 0; i < nodes; i++ {
		for j := 0; j < callers; j++ {
			wg.Add(1)
			go func(n *fakeNode) {
				defer wg.Done()
				for k := 0; k < calls; k++ {
					id := nextID.Add(1)
					r := n.c.call(context.Background(), time.Now().Add(3*time.Second), id,
						append(wire.PutHeader(nil, wire.MsgCall, id), 0, 0), false, nil)
					if r.err != nil || r.val != "r" {
						t.Errorf("call %d: %v, %v", id, r.val, r.err)
						return
					}
				}
			}(fns[i])
		}
	}
	wg.Wait()
	// Events the nodes sent last come with nothing else to wake a reader.
	for _, n := range fns {
		sent.Add(1)
		n.write(t, wire.MsgEvent, 0, "quiet")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		var handled int64
		for _, n := range fns {
			handled += int64(len(n.messages()))
		}
		if handled == sent.Load() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events handled of %d sent: a message was left unread", handled, sent.Load())
		}
		time.Sleep(time.Millisecond)
	}
	for _, n := range fns {
		n.c.close()
	}
	nodeWG.Wait()
}

// A call whose deadline or context ends while another goroutine owns the
// socket (and does not read its reply) ends in time; the reply that comes
// later is dropped, and the next call gets its own.
func TestCtlDeadlineWhileOtherOwns(t *testing.T) {
	p := newTestPoller(t)
	n := newFakeNode(t, p)
	mustTake(t, n.c)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := n.c.call(ctx, time.Now().Add(time.Hour), 1, append(wire.PutHeader(nil, wire.MsgCall, 1), 0, 0), false, nil)
	if !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("call = %v, %v; want its context's end", r.val, r.err)
	}
	r = n.c.call(context.Background(), time.Now().Add(50*time.Millisecond), 2, append(wire.PutHeader(nil, wire.MsgCall, 2), 0, 0), false, nil)
	if !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("call = %v, %v; want its deadline", r.val, r.err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the calls took %v", d)
	}
	n.write(t, wire.MsgReply, 1, "late")
	n.write(t, wire.MsgReply, 2, "late")
	n.c.release()
	go func() {
		buf := make([]byte, 64)
		for i := 0; i < 3; i++ {
			unix.Read(n.node, buf)
		}
		unix.Write(n.node, append(wire.PutHeader(nil, wire.MsgReply, 3), "three"...)) // not n.write: no t.Fatal off the test's goroutine
	}()
	r = n.c.call(context.Background(), time.Now().Add(5*time.Second), 3, append(wire.PutHeader(nil, wire.MsgCall, 3), 0, 0), false, nil)
	if r.err != nil || r.val != "three" {
		t.Fatalf("call after the late replies = %v, %v", r.val, r.err)
	}
}

// Conns closed and made again reuse fd numbers while their nodes send:
// every message is handled by the conn of the socket it came on, and
// every conn leaves the poller.
func TestCtlFdReuseNoMisroute(t *testing.T) {
	p := newTestPoller(t)
	var wrong atomic.Int64
	for round := 0; round < 200; round++ {
		c, node := newTestConn(t)
		bell := newBell(t, c)
		want := fmt.Sprint(round)
		got := make(chan struct{}, 8)
		c.handle = func(m ctlMsg) {
			if string(m.body) != want {
				wrong.Add(1)
			}
			got <- struct{}{}
		}
		if err := p.add(c); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			unix.Write(node, append(wire.PutHeader(nil, wire.MsgEvent, 0), want...))
			ringBell(bell)
		}
		<-got // one handled; the others may be read or not when it closes
		if round%2 == 0 {
			unix.Close(node) // the node goes: the poller reads to EOF and closes
			<-c.done
		} else {
			c.close() // the driver closes first
			unix.Close(node)
		}
		unix.Close(bell)
	}
	if w := wrong.Load(); w != 0 {
		t.Fatalf("%d messages handled by another conn than theirs", w)
	}
	p.mu.Lock()
	left := len(p.conns)
	p.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d closed conns left in the poller", left)
	}
}

// A node that ends with a call of the driver unread in its socket (here
// a getpid sent while it was stopped, then a sigkill) still gets the event
// it sent just before to its pipeline.
func TestNodeEndsWithUnreadCallKeepsEvent(t *testing.T) {
	e, ctx := start(t)
	c := booted(t, e, ctx, nil)
	pid := e.hostPid(t, c)
	p := e.proc(t, c)
	mustTake(t, p.ctl) // what the node sends waits in the socket
	fd := p.ctl.sock.fd
	unix.Kill(pid, unix.SIGUSR1)
	if n, _ := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 5000); n != 1 {
		t.Fatal("no event from the node")
	}
	unix.Kill(pid, unix.SIGSTOP)
	waitStopped(t, pid)
	errs := make(chan error, 1)
	go func() { _, err := e.Call(ctx, c, "getpid", nil); errs <- err }()
	for deadline := time.Now().Add(5 * time.Second); ; { // queued, unread
		if q, _ := unix.IoctlGetInt(fd, unix.SIOCOUTQ); q > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the call was not sent")
		}
		time.Sleep(time.Millisecond)
	}
	unix.Kill(pid, unix.SIGKILL)
	waitHangup(t, fd)
	p.ctl.release()
	if err := <-errs; !errors.Is(err, builtins.ErrExited) && !errors.Is(err, builtins.ErrBadPid) {
		t.Fatalf("getpid on a killed node: %v", err)
	}
	var evs []string
	for i := 0; i < 2; i++ {
		ev, err := e.Call(ctx, c, "event", []any{int64(2000)})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, builtins.Format(ev))
	}
	sort.Strings(evs)
	if strings.Join(evs, " ") != `{signal: "sigusr1"} {termsig: "sigkill"}` {
		t.Fatalf("events = %v, want the node's sigusr1 and its end", evs)
	}
}

// Calls to a stopped node whose socket is full end with their deadline:
// nothing was sent (a SOCK_SEQPACKET send is whole or nothing), and the
// node, once it runs again, answers the next call.
func TestCallFullSocketEndsWithDeadline(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	bootNode(t, e, ctx, c)
	pid := e.hostPid(t, c)
	unix.Kill(pid, unix.SIGSTOP)
	waitStopped(t, pid)
	defer unix.Kill(pid, unix.SIGCONT)
	big := strings.Repeat("x", 100<<10) // two fill the socket's send buffer
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	start := time.Now()
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			_, err := e.Call(short, c, "chdir", []any{big})
			errs <- err
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(3 * time.Second):
		unix.Kill(pid, unix.SIGCONT)
		<-finished
		t.Fatalf("calls to a stopped node with a full socket outlived their deadline (%v)", time.Since(start))
	}
	close(errs)
	for err := range errs {
		if err == nil {
			t.Fatal("a stopped node answered")
		}
	}
	unix.Kill(pid, unix.SIGCONT)
	if v := call(t, e, ctx, c, "getpid"); v != int64(leaf(c)) {
		t.Fatalf("getpid = %v", v)
	}
}

// Close while forks are in flight: a child whose fork reply is being read
// while Close runs is closed too, and nothing of the driver (fds, conns
// in the poller) outlives Close.
func TestCloseRacingFork(t *testing.T) {
	// A first engine, so that the runtime's own fds (its netpoller) exist
	// before the count.
	e0, _ := start(t)
	e0.Close()
	base := fdNames(t)
	goroutines := runtime.NumGoroutine()
	var late atomic.Int64 // forks whose child came after Close began
	for round := 0; round < 40; round++ {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		e, err := Start(ctx, Options{})
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := 0; g < 2; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if _, err := e.Call(ctx, nil, "fork", nil); err != nil {
						if strings.Contains(err.Error(), "the engine closed") {
							late.Add(1)
						}
						return
					}
				}
			}()
		}
		time.Sleep(time.Duration(1+round%7) * time.Millisecond)
		e.Close()
		wg.Wait()
		e.poller.mu.Lock()
		left := len(e.poller.conns)
		e.poller.mu.Unlock()
		cancel()
		if left != 0 {
			t.Fatalf("round %d: %d conns left in the poller after Close", round, left)
		}
		waitFds(t, base, round)
	}
	t.Logf("%d forks of 40 rounds were attached after Close began", late.Load())
	for deadline := time.Now().Add(3 * time.Second); runtime.NumGoroutine() > goroutines; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after the rounds, %d before", runtime.NumGoroutine(), goroutines)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A call to a node that died before the driver read its end (here the
// test holds the socket, as a caller reading its reply would) fails as
// exited, as a call to a closed conn does, not with the send's EPIPE.
func TestCallToDeadUnreadNodeIsExited(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	bootNode(t, e, ctx, c)
	pid := e.hostPid(t, c)
	p := e.proc(t, c)
	mustTake(t, p.ctl)
	unix.Kill(pid, unix.SIGKILL)
	waitHangup(t, p.ctl.sock.fd)
	// The conn's call, not e.Call: the node's exit event, from its
	// parent, may take it out of the tree meanwhile.
	getpid, _ := builtins.Lookup("getpid")
	id := e.nextID.Add(1)
	msg, err := wire.EncodeCall(nil, id, getpid.Number(), []any{})
	if err != nil {
		t.Fatal(err)
	}
	r := p.ctl.call(ctx, time.Now().Add(5*time.Second), id, msg, false, nil)
	p.ctl.release()
	if !errors.Is(r.err, builtins.ErrExited) {
		t.Fatalf("getpid on a dead node = %v, %v; want %v", r.val, r.err, builtins.ErrExited)
	}
}

// The same with a fake node, and a driver that closed the conn.
func TestCtlCallToClosedPeerIsExited(t *testing.T) {
	p := newTestPoller(t)
	n := newFakeNode(t, p)
	mustTake(t, n.c)
	unix.Close(n.node)
	n.node = -1
	r := n.c.call(context.Background(), time.Now().Add(5*time.Second), 1, append(wire.PutHeader(nil, wire.MsgCall, 1), 0, 0), false, nil)
	n.c.release()
	if !errors.Is(r.err, builtins.ErrExited) {
		t.Fatalf("call to a node gone = %v, want %v", r.err, builtins.ErrExited)
	}
}

// A node that sends without pause does not keep the poller from the other
// sockets: an event of another node is handled soon. Here handling a
// message takes longer than sending one, so that the flood never ends
// while the poller reads it.
func TestCtlFloodDoesNotStarveOthers(t *testing.T) {
	p := newTestPoller(t)
	flood := newFakeNode(t, p)
	flood.c.handle = func(m ctlMsg) { // a slow dispatch: 20 µs
		for start := time.Now(); time.Since(start) < 20*time.Microsecond; {
		}
	}
	other := newFakeNode(t, p)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := append(wire.PutHeader(nil, wire.MsgEvent, 0), "flood"...)
			for {
				select {
				case <-stop:
					return
				default:
				}
				unix.Write(flood.node, msg)
				ringBell(flood.bell)
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	time.Sleep(50 * time.Millisecond) // the poller is in the flood
	var worst time.Duration
	for i := 0; i < 20; i++ {
		start := time.Now()
		other.write(t, wire.MsgEvent, 0, "hello")
		select {
		case <-other.seen:
		case <-time.After(2 * time.Second):
			t.Fatal("another node's event waited 2 s behind a flood")
		}
		worst = max(worst, time.Since(start))
	}
	t.Logf("worst latency %v", worst)
	if worst > 500*time.Millisecond {
		t.Fatalf("another node's event waited %v behind a flood", worst)
	}
}

// A fork's reply read by another reader than its caller (which could not
// take the socket), as the poller or another caller reads it: registering
// the child, attaching its conn and adding it to the poller happen in
// that reader, which must not deadlock; the caller gets the child, which
// then answers.
func TestForkReplyReadByOtherReader(t *testing.T) {
	e, ctx := start(t)
	e.mu.Lock()
	root := e.root
	e.mu.Unlock()
	mustTake(t, root.ctl) // the caller cannot read: it waits in select
	fd := root.ctl.sock.fd
	type res struct {
		v   any
		err error
	}
	done := make(chan res, 1)
	go func() { v, err := e.Call(ctx, nil, "fork", nil); done <- res{v, err} }()
	if n, _ := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 5000); n != 1 {
		t.Fatal("no fork reply")
	}
	if alive, got := root.ctl.readOne(false, false); !alive || !got {
		t.Fatalf("reading the fork's reply: alive %v, got %v", alive, got)
	}
	var r res
	select {
	case r = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("fork hangs when another reader reads its reply")
	}
	root.ctl.release()
	if r.err != nil {
		t.Fatal(r.err)
	}
	c := []int{int(r.v.(int64))}
	if v := call(t, e, ctx, c, "getpid"); v != int64(leaf(c)) {
		t.Fatalf("getpid = %v", v)
	}
}

// Close while a caller owns a socket and waits there for a reply that
// does not come (a stopped node): the call ends at once, not at its
// deadline: as exited, or with its reply (closing the root makes it send
// sigcont to its process group, so the node may answer first).
func TestCloseWhileCallerOwns(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	e, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := fork(t, e, ctx, nil)
	bootNode(t, e, ctx, c)
	pid := e.hostPid(t, c)
	unix.Kill(pid, unix.SIGSTOP)
	waitStopped(t, pid)
	type res struct {
		v   any
		err error
	}
	done := make(chan res, 1)
	go func() { v, err := e.Call(ctx, c, "getpid", nil); done <- res{v, err} }()
	time.Sleep(2 * time.Millisecond) // the caller in readUntil, or past it
	closed := make(chan struct{})
	go func() { e.Close(); close(closed) }()
	select {
	case r := <-done:
		if !errors.Is(r.err, builtins.ErrExited) && r.v != int64(leaf(c)) {
			t.Fatalf("getpid during Close = %v, %v", r.v, r.err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a call outlived Close by 2 s")
	}
	unix.Kill(pid, unix.SIGCONT)
	<-closed
}

// Stopping the poller closes the conns still registered (their pending
// calls fail), and a conn added after the stop is refused: it must not go
// into the epoll fd's old number, which a new poller may have taken.
func TestCtlStopClosesLeftoversRefusesAdd(t *testing.T) {
	p, err := newCtlPoller()
	if err != nil {
		t.Fatal(err)
	}
	n := newFakeNode(t, p)
	ch := pendingCall(n.c, 1)
	p.stop()
	select {
	case <-n.c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("a conn outlived its poller")
	}
	if r := waitResult(t, ch); !errors.Is(r.err, builtins.ErrExited) {
		t.Fatalf("pending call = %v, %v", r.val, r.err)
	}
	q := newTestPoller(t) // takes p's old epoll fd number, most likely
	late, node := newTestConn(t)
	defer unix.Close(node)
	defer late.close()
	late.handle = func(ctlMsg) {}
	if err := p.add(late); err == nil {
		t.Fatal("a stopped poller took a conn")
	}
	if err := q.add(late); err != nil { // EEXIST: p's add went into q
		t.Fatalf("adding to the new poller: %v (same epoll fd number: %v)", err, p.epfd == q.epfd)
	}
}
