package relay

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/wire"
)

// pktPoll reads a Mux's packet channels (control sockets) in the
// stream's reader: one goroutine waits for the stream and for every
// packet channel at once, in an epoll of its own, and takes what is
// ready. A call thus crosses each end of the relay in one goroutine,
// where it was handed from the stream's reader to the socket's (on the
// hub, a node's reply then waited for the Go scheduler to move from one
// parked goroutine to another; `perf sched` showed the hub's thread
// woken twice per call and a second thread woken to spin).
//
// The sockets are not in Go's netpoller, which registers every fd for
// writing too: each time the node (or, at the driver, the engine) read a
// message the relay had sent, the kernel's write-space wake-up woke the
// thread in the netpoller's epoll_wait for nothing, on the CPU the node
// needed. Here they are registered for reading only (EPOLLIN,
// level-triggered); a socket that is full for a while (rare: a node that
// does not read) is waited on with poll in its writer (waitPacketWrite).
type pktPoll struct {
	m        *Mux
	f        *os.File // the epoll instance, in Go's netpoller
	rc       syscall.RawConn
	streamFd int // the stream's fd, registered as key 0; -1 if none
	evs      [32]unix.EpollEvent
	// mu makes each packet's read and forward whole (the order of a
	// channel's messages), whoever reads: the goroutine that serves, or
	// a caller that pumps; it guards the buffers of a read.
	mu  sync.Mutex
	rh  wire.RecvHdr
	buf []byte
	oob []byte

	reads    int // stream reads since packets were last served
	stopOnce sync.Once
}

// streamKey is the stream's key in the epoll: channel ids start at 1.
const streamKey = 0

func newPktPoll(m *Mux, streamFd int) (*pktPoll, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	f := os.NewFile(uintptr(epfd), "relay-epoll") // non-blocking: Go's netpoller watches it
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	p := &pktPoll{m: m, f: f, rc: rc, streamFd: -1, buf: make([]byte, wire.MaxMsg+1),
		oob: make([]byte, unix.CmsgSpace(4*maxAnnounce)+unix.CmsgSpace(unix.SizeofUcred))}
	if streamFd >= 0 {
		if err := p.ctl(unix.EPOLL_CTL_ADD, streamFd, streamKey); err != nil {
			f.Close()
			return nil, err
		}
		p.streamFd = streamFd
	}
	return p, nil
}

// ctl adds (or deletes) fd under key, for reading; it fails once the
// epoll is closed (its number may be another file's then).
func (p *pktPoll) ctl(op, fd int, key uint32) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(key)}
	var err error
	if cerr := p.rc.Control(func(epfd uintptr) { err = unix.EpollCtl(int(epfd), op, fd, &ev) }); cerr != nil {
		return cerr
	}
	return os.NewSyscallError("epoll_ctl", err)
}

// watch starts reading packet channel c (its credit allowing).
func (p *pktPoll) watch(c *channel) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.watched || !c.live || c.credit <= 0 {
		return
	}
	var err error
	if cerr := c.rc.Control(func(fd uintptr) { err = p.ctl(unix.EPOLL_CTL_ADD, int(fd), c.id) }); cerr != nil {
		err = cerr
	}
	if err != nil {
		go c.hangUp()
		return
	}
	c.watched = true
}

// unwatch stops reading c: it has no credit left, or it closes (c.mu
// held).
func (p *pktPoll) unwatch(c *channel) {
	if !c.watched {
		return
	}
	c.watched = false
	c.rc.Control(func(fd uintptr) { p.ctl(unix.EPOLL_CTL_DEL, int(fd), c.id) })
}

// stop closes the epoll: the goroutine waiting in it sees the end.
func (p *pktPoll) stop() { p.stopOnce.Do(func() { p.f.Close() }) }

// wait waits until the stream has bytes (or its end), serving the packet
// channels meanwhile.
func (p *pktPoll) wait() error {
	return p.rc.Read(func(uintptr) bool { return p.serve() })
}

// run serves the packet channels in a goroutine of their own, for a
// stream that is not a file of Go's poller (tests), until stop.
func (p *pktPoll) run() {
	for p.wait() == nil {
	}
}

// serve reads the packet channels that are ready, until none is, and
// says whether the stream is. One goroutine serves: the stream's reader
// (or run's).
func (p *pktPoll) serve() bool {
	p.reads = 0
	for {
		var n int
		var err error
		cerr := p.rc.Control(func(epfd uintptr) { n, err = rawEpollWait(int(epfd), p.evs[:]) })
		if cerr != nil {
			return true // closed: the stream's read reports the end
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n == 0 {
			return err != nil
		}
		stream := false
		for _, ev := range p.evs[:n] {
			if ev.Fd == streamKey {
				stream = true
			} else {
				p.readPacket(uint32(ev.Fd))
			}
		}
		if stream {
			return true
		}
	}
}

// servePending serves the packet channels now and then while the stream
// keeps its reader busy (a bulk transfer to a node's stdin), so that
// they are not left waiting for its end.
func (p *pktPoll) servePending() {
	if p.reads++; p.reads >= 16 {
		p.serve()
	}
}

// readPacket reads one message from channel id and forwards it; the
// level-triggered epoll reports the channel again while it holds more.
func (p *pktPoll) readPacket(id uint32) {
	if c := p.m.lookup(id); c != nil { // else closed meanwhile (which takes it out of the epoll)
		p.forwardOne(c)
	}
}

// forwardOne reads one message from c, if there is one and c may send,
// and forwards it; false if there was none (or c ended).
func (p *pktPoll) forwardOne(c *channel) bool {
	p.mu.Lock()
	c.mu.Lock()
	may := c.watched
	c.mu.Unlock()
	if !may {
		p.mu.Unlock()
		return false
	}
	n, fds, err := c.recvPacket(&p.rh, p.buf, p.oob)
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
		p.mu.Unlock()
		return false
	}
	if err != nil || n == 0 && len(fds) == 0 && c.ended() {
		p.mu.Unlock()
		closeAll(fds)
		c.hangUp()
		return false
	}
	p.m.forward(c, p.buf[:n], fds)
	p.mu.Unlock()
	c.mu.Lock()
	if c.credit -= n; c.credit <= 0 {
		p.unwatch(c)
	}
	c.mu.Unlock()
	return true
}

// ends maps the engine's end of each driver stand-in socket (its fd) to
// its channel, for Pump. A stale entry (the engine closed its end, and
// the number went to another file) can only make Pump read a channel
// early, which is always allowed.
var ends = struct {
	sync.Mutex
	m map[int]*channel
}{m: map[int]*channel{}}

func setEnd(fd int, c *channel) {
	ends.Lock()
	ends.m[fd] = c
	ends.Unlock()
	c.end = fd
}

func dropEnd(c *channel) {
	ends.Lock()
	if ends.m[c.end] == c {
		delete(ends.m, c.end)
	}
	ends.Unlock()
}

// Pump sends on at once what the engine just wrote to fd, its end of a
// stand-in control socket (a call), in the caller's goroutine: the
// call's frame is then on its way to the host before the caller parks,
// where it waited for the relay's goroutine to be woken for it,
// often on the other CPU. fd of anything else: nothing happens.
func Pump(fd int) {
	ends.Lock()
	c := ends.m[fd]
	ends.Unlock()
	if c != nil {
		for range maxPump {
			if !c.m.pkts.forwardOne(c) {
				return
			}
		}
	}
}

// maxPump bounds the messages one Pump forwards: the caller's own, and
// those it finds queued (a batch's calls: up to 256 under way). The
// channel's credit bounds them too.
const maxPump = 256

// recvPacket receives one message without waiting.
func (c *channel) recvPacket(rh *wire.RecvHdr, buf, oob []byte) (n int, fds []int, err error) {
	cerr := c.rc.Control(func(fd uintptr) {
		var errno syscall.Errno
		n, errno = rh.Recv(int(fd), buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC, true)
		if err = errnoErr(errno); err == nil && rh.Msg.Controllen > 0 {
			fds, _ = wire.ParseCmsgs(oob[:rh.Msg.Controllen])
		}
	})
	if cerr != nil {
		return 0, nil, cerr
	}
	return n, fds, err
}

// waitPacketWrite waits until a packet channel's socket has room, or 10
// ms passed (to see a close), unless the channel closed. Its socket is
// not in Go's netpoller (see pktPoll).
func (c *channel) waitPacketWrite() error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return os.ErrClosed
	}
	var err error
	cerr := c.rc.Control(func(fd uintptr) {
		_, err = unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}, 10)
	})
	if cerr != nil {
		return cerr
	}
	if errors.Is(err, unix.EINTR) {
		return nil
	}
	return err
}

// rawEpollWait takes the events ready now, without waiting.
func rawEpollWait(epfd int, evs []unix.EpollEvent) (int, error) {
	n, _, e := syscall.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&evs[0])), uintptr(len(evs)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
