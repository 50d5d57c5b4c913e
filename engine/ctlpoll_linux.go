package engine

import (
	"errors"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// ctlPoller waits for messages on the driver's control sockets, in an
// epoll instance of its own rather than Go's netpoller.
//
// The reason is the round trip. A caller reads its own reply (ctlConn.own);
// had the socket been registered with the netpoller, every reply would
// also wake the thread blocked in the netpoller's epoll_wait, which on a
// VM costs about as much as the whole call (5.6 µs against 14.4 µs for a
// bare socket round trip, measured with and without the registration).
// So each socket is registered here with EPOLLONESHOT and disarmed while a
// caller owns it: messages that come while nobody waits wake the poller,
// replies that a caller waits for wake nobody else.
//
// Whoever holds a conn's readMu reads it; whoever lets go of readMu arms
// the socket again, after unlocking, so that what came meanwhile is seen.
// The poller skips a socket whose readMu is held.
//
// The poller's epoll fd is itself watched by Go's netpoller (an epoll fd
// is readable while it has events), so no thread sits in a blocking
// epoll_wait of ours.
type ctlPoller struct {
	f       *os.File // the epoll instance
	rc      syscall.RawConn
	epfd    int
	mu      sync.Mutex
	conns   map[int32]*ctlConn
	stopped bool // epfd is closed (its number may be another file's now)
	done    chan struct{}
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
	p := &ctlPoller{f: f, rc: rc, epfd: epfd, conns: map[int32]*ctlConn{}, done: make(chan struct{})}
	go p.run()
	return p, nil
}

// add registers c, armed; c.handle must be set. It fails once the poller
// stopped: a conn attached while the engine closes (a fork's reply read
// then) must not go into a closed epoll fd, whose number another epoll
// may have taken since.
func (p *ctlPoller) add(c *ctlConn) error {
	err := error(os.ErrClosed)
	c.poller = p
	c.rc.Control(func(fd uintptr) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.stopped {
			return
		}
		ev := unix.EpollEvent{Events: armed, Fd: int32(fd)}
		if err = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, int(fd), &ev); err == nil {
			p.conns[int32(fd)] = c
		}
	})
	return os.NewSyscallError("epoll_ctl", err)
}

const armed = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

// arm enables (events armed) or disables (EPOLLONESHOT) c's next
// wake-up. It takes no lock (it runs twice per call): after stop, an
// EPOLL_CTL_MOD on the old number can only fail (c is in no other epoll),
// and stop closes every conn still registered, so that arm then finds c's
// file closed and does nothing.
func (p *ctlPoller) arm(c *ctlConn, events uint32) {
	c.rc.Control(func(fd uintptr) {
		ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
		unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, int(fd), &ev)
	})
}

// remove forgets c before its socket is closed.
func (p *ctlPoller) remove(c *ctlConn) {
	c.rc.Control(func(fd uintptr) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.conns[int32(fd)] == c {
			delete(p.conns, int32(fd))
		}
		if !p.stopped {
			unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, int(fd), nil)
		}
	})
}

func (p *ctlPoller) run() {
	defer close(p.done)
	events := make([]unix.EpollEvent, 32)
	p.rc.Read(func(fd uintptr) bool {
		for {
			n, err := unix.EpollWait(int(fd), events, 0)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil || n == 0 {
				return err != nil
			}
			for _, ev := range events[:n] {
				p.mu.Lock()
				c := p.conns[ev.Fd]
				p.mu.Unlock()
				if c != nil {
					c.readAll()
				}
			}
		}
	})
}

// stop ends the poller. The engine closed its conns before; any still
// registered (one the engine no longer knew) is closed here, so that no
// conn outlives its poller unread, its fd open, arming a closed epoll fd.
func (p *ctlPoller) stop() {
	p.mu.Lock()
	p.stopped = true
	left := make([]*ctlConn, 0, len(p.conns))
	for _, c := range p.conns {
		left = append(left, c)
	}
	p.mu.Unlock()
	for _, c := range left {
		c.close() // its remove takes p.mu: not held here
	}
	p.f.Close()
	<-p.done
}
