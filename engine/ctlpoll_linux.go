package engine

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ctlPoller reads what nodes send when nobody waits for it: their events,
// and the end of their sockets. It watches, in an epoll instance of its
// own rather than Go's netpoller, each node's bell and the hang-up of
// each control socket; the arrival of a message only while a reply is
// due that its caller gave up waiting for (ctlPoller.watch).
//
// The reason is the round trip. A caller reads its own reply (ctlConn.
// readUntil); had the socket been registered with Go's netpoller, every
// reply would also wake the thread blocked in the netpoller's epoll_wait,
// which on a VM costs about as much as the whole call (5.6 µs against
// 14.4 µs for a bare socket round trip, measured with and without the
// registration). Watching the socket in an epoll of our own, disarmed
// while a caller reads, cost two epoll_ctl per call, about 1.5 µs of a
// pinned round trip (A/B in one process). So a node rings its bell (an
// eventfd, proto.FdBell on its side) after each event it sends (node.ring), and
// the poller watches that: replies wake nobody else, and no call changes
// any registration. The socket itself is registered for its hang-up
// (EPOLLONESHOT): that is when the poller reads it to the end.
//
// Whoever holds a conn's read token reads it (ctlConn.take); the poller,
// finding it taken, leaves a note (missed) that the holder reads on
// letting go (ctlConn.release), so that an event is never left unread.
//
// It also watches the pipes of dormant streams (stream.wake), once each:
// their first output, or their end, starts or ends them.
//
// The poller's epoll fd is itself watched by Go's netpoller (an epoll fd
// is readable while it has events), so no thread sits in a blocking
// epoll_wait of ours.
type ctlPoller struct {
	f       *os.File // the epoll instance
	rc      syscall.RawConn
	epfd    int
	mu      sync.Mutex
	conns   map[int32]pollEntry // by the fd registered: a socket or a bell
	tags    uint32              // the last stream registration's tag (pollEntry.tag)
	stopped bool                // epfd is closed (its number may be another file's now)
	done    chan struct{}
	wakes   atomic.Int64 // sockets it was woken for (tests count them)
}

// pollEntry is what one registered fd stands for: a conn's socket or
// bell, or a dormant stream's pipe (stream.wake).
//
// A stream's registration has a tag of its own, which its events carry
// (EpollEvent.Pad): an event the poller took from epoll before the fd was
// closed (a drain ended the stream) may be handled after its number went
// to the next child's pipe, and would start that silent child's reader
// (its hang-up read nothing, the writer being alive). Conns keep tag 0:
// a stale event only makes one read its socket, and their registrations
// change with no lock (muteBell) that could keep a tag.
type pollEntry struct {
	c    *ctlConn
	bell bool
	s    *stream
	tag  uint32 // a stream's registration; 0 for a conn
	// unwatched: a conn's socket is out of the epoll while a caller waits
	// for its end (unwatch).
	unwatched bool
}

func newCtlPoller() (*ctlPoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	f, rc, err := pollable(epfd, "ctl-epoll")
	if err != nil {
		return nil, err
	}
	p := &ctlPoller{f: f, rc: rc, epfd: epfd, conns: map[int32]pollEntry{}, done: make(chan struct{})}
	go p.run()
	return p, nil
}

// Registrations: a socket for its hang-up (or error), once; a bell for
// its ring, level-triggered (the poller reads the count back to zero).
const (
	hangupEvents = unix.EPOLLRDHUP | unix.EPOLLONESHOT
	bellEvents   = unix.EPOLLIN
	streamEvents = unix.EPOLLIN | unix.EPOLLONESHOT // data or the end (EPOLLHUP comes anyway)
)

// addStream watches a dormant stream's pipe, once: the poller wakes the
// stream at its first data or at its end.
func (p *ctlPoller) addStream(s *stream) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return p.addStreamLocked(s)
}

// addStreamLocked is addStream with s.mu held.
func (p *ctlPoller) addStreamLocked(s *stream) error {
	if s.ended || s.f != nil {
		return nil
	}
	s.poller = p
	return p.register(s.fd, pollEntry{s: s}, streamEvents)
}

// forgetStream drops s's registration of fd, if fd is still s's (a fd
// number is reused as soon as it is closed); false if it was not.
func (p *ctlPoller) forgetStream(s *stream, fd int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[int32(fd)].s != s {
		return false
	}
	delete(p.conns, int32(fd))
	if !p.stopped {
		unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
	}
	return true
}

// add registers c's socket and, if c has one yet, its bell. It fails once
// the poller stopped: a conn attached while the engine closes (a fork's
// reply read then) must not go into a closed epoll fd, whose number
// another epoll may have taken since.
func (p *ctlPoller) add(c *ctlConn) error {
	c.poller = p
	fd, ok := c.sock.acquire()
	if !ok {
		return os.ErrClosed
	}
	err := p.register(fd, pollEntry{c: c}, hangupEvents)
	c.sock.done()
	if err == nil && c.bell != nil {
		if err = p.addBell(c); err != nil {
			p.remove(c)
		}
	}
	return err
}

// addBell registers c's bell; the root's comes after its conn, with its
// ready message.
func (p *ctlPoller) addBell(c *ctlConn) error {
	fd, ok := c.bell.acquire()
	if !ok {
		return os.ErrClosed
	}
	defer c.bell.done()
	return p.register(fd, pollEntry{c: c, bell: true}, bellEvents)
}

func (p *ctlPoller) register(fd int, ent pollEntry, events uint32) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return os.ErrClosed
	}
	if ent.s != nil {
		if p.tags++; p.tags == 0 {
			p.tags++ // 0 is a conn's
		}
		ent.tag = p.tags
	}
	ev := unix.EpollEvent{Events: events, Fd: int32(fd), Pad: int32(ent.tag)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	p.conns[int32(fd)] = ent
	return nil
}

// muteBell stops (false) or starts again (true) the wake-ups of c's bell,
// for a caller that reads the socket itself while it waits for an event
// (ctlConn.readUntil). It takes no lock: after stop, an EPOLL_CTL_MOD on
// the old number can only fail (the bell is in no other epoll), and stop
// closes every conn still registered, so that a later call finds c's bell
// closed and does nothing.
func (p *ctlPoller) muteBell(c *ctlConn, on bool) {
	events := uint32(0)
	if on {
		events = bellEvents
	}
	if fd, ok := c.bell.acquire(); ok {
		ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
		unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev)
		c.bell.done()
	}
}

// watch arms c's socket again: for its hang-up, and, while replies are
// due to callers that gave up (ctlConn.late), for any message. One-shot:
// whoever reads after it fired arms it again (ctlConn.readAll), once the
// socket is read, so that a message left to a token holder does not wake
// the poller over and over.
func (p *ctlPoller) watch(c *ctlConn) {
	fd, ok := c.sock.acquire()
	if !ok {
		return
	}
	defer c.sock.done()
	p.mu.Lock()
	defer p.mu.Unlock()
	if ent := p.conns[int32(fd)]; p.stopped || ent.c != c || ent.unwatched {
		return
	}
	ev := unix.EpollEvent{Events: c.sockEvents(), Fd: int32(fd)}
	unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev)
}

// sockEvents is what c's socket is watched for: its hang-up, and any
// message while replies are due that nobody waits for (watch).
func (c *ctlConn) sockEvents() uint32 {
	events := uint32(hangupEvents)
	if c.late.due() {
		events |= unix.EPOLLIN
	}
	return events
}

// unwatch takes c's socket out of the epoll while its caller waits for
// the socket's end (an exec or exit: ctlConn.callWith), and reads it to
// that end itself. Registered, the hang-up at a proto-node's exec woke
// the poller too, whose thread, the caller spinning on the other CPU,
// ran on the new program's CPU ahead of it. With the exec done, the conn
// closes and forget skips the socket (no syscall: the DEL moved from
// after the exec to before it); else rewatch puts it back.
func (p *ctlPoller) unwatch(c *ctlConn) {
	p.setWatched(c, false)
}

// rewatch registers c's socket again after unwatch (the exec failed, or
// its caller gave up before the end).
func (p *ctlPoller) rewatch(c *ctlConn) {
	p.setWatched(c, true)
}

func (p *ctlPoller) setWatched(c *ctlConn, on bool) {
	fd, ok := c.sock.acquire()
	if !ok {
		return
	}
	defer c.sock.done()
	p.mu.Lock()
	defer p.mu.Unlock()
	ent := p.conns[int32(fd)]
	if p.stopped || ent.c != c || ent.bell || ent.unwatched != on {
		return
	}
	ev := unix.EpollEvent{Events: c.sockEvents(), Fd: int32(fd)}
	op := unix.EPOLL_CTL_ADD
	if !on {
		op = unix.EPOLL_CTL_DEL
	}
	if unix.EpollCtl(p.epfd, op, fd, &ev) == nil {
		ent.unwatched = !on
		p.conns[int32(fd)] = ent
	}
}

// remove forgets c before its socket and bell are closed.
func (p *ctlPoller) remove(c *ctlConn) {
	for _, s := range []*sharedFd{c.sock, c.bell.shared()} {
		if s == nil {
			continue
		}
		if fd, ok := s.acquire(); ok {
			p.forget(c, fd)
			s.done()
		}
	}
}

func (p *ctlPoller) forget(c *ctlConn, fd int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ent := p.conns[int32(fd)]
	if ent.c == c && ent.s == nil {
		delete(p.conns, int32(fd))
	}
	if !p.stopped && !(ent.c == c && ent.unwatched) {
		unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
	}
}

func (p *ctlPoller) run() {
	defer close(p.done)
	events := make([]unix.EpollEvent, 32)
	p.rc.Read(func(fd uintptr) bool {
		for {
			n, err := rawEpollWaitNow(int(fd), events)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil || n == 0 {
				return err != nil
			}
			for _, ev := range events[:n] {
				p.dispatch(ev)
			}
		}
	})
}

// dispatch hands one event to what its fd stands for, if it still does.
func (p *ctlPoller) dispatch(ev unix.EpollEvent) {
	p.mu.Lock()
	ent, ok := p.conns[ev.Fd]
	p.mu.Unlock()
	if !ok || ent.tag != uint32(ev.Pad) {
		return // gone, or its number is another registration's now
	}
	if ent.s != nil {
		p.forgetStream(ent.s, int(ev.Fd))
		ent.s.woken(ev.Events)
		return
	}
	p.wakes.Add(1)
	if ent.bell {
		ent.c.bell.drain()
	} else {
		ent.c.fired.Store(true)
	}
	ent.c.readAll()
}

// stop ends the poller. The engine closed its conns before; any still
// registered (one the engine no longer knew) is closed here, so that no
// conn outlives its poller unread, its fd open, arming a closed epoll fd.
func (p *ctlPoller) stop() {
	p.mu.Lock()
	p.stopped = true
	left := make([]*ctlConn, 0, len(p.conns))
	for _, ent := range p.conns {
		if ent.c != nil {
			left = append(left, ent.c)
		}
	}
	p.mu.Unlock()
	for _, c := range left {
		c.close() // its remove takes p.mu: not held here
	}
	p.f.Close()
	<-p.done
}

// rawEpollWaitNow takes the events ready now, without waiting.
func rawEpollWaitNow(epfd int, evs []unix.EpollEvent) (int, error) {
	n, _, e := syscall.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&evs[0])), uintptr(len(evs)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
