package relay

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxChannels bounds the channels one stream may hold open, so that a
// lying hub cannot make the driver open fds without end.
const maxChannels = 1 << 14

// Mux relays channels over one stream. A hub Mux holds the real fds of a
// host's nodes and announces them; a driver Mux makes a local stand-in
// for each announced channel and hands its other end to the engine.
type Mux struct {
	hub bool
	in  *bufio.Reader
	out io.WriteCloser

	mu     sync.Mutex
	wake   *sync.Cond // the writer: frames queued, or the end
	chans  map[uint32]*channel
	pipes  map[fileID]*channel // driver side: output channels by their stand-in pipe, until fed (FeedFrom)
	nextID uint32
	q      []outFrame
	err    error // why the stream ended; set once
	busy   bool  // a goroutine writes to out (sendNowFrame, sendNoWait or writeLoop)
	done   chan struct{}
	wdone  chan struct{} // the writer stopped

	root  chan []int // driver side: the root's fds, from TRoot
	exit  chan uint32
	onEnd func(error)

	framesOut, writesOut, framesIn atomic.Uint64 // Stats

	pipeOut syscall.RawConn // hub: out, if a pipe (spliceData)
	pkts    *pktPoll        // reads the packet channels
}

// Stats counts the frames one end of the stream sent and received, and
// the writes that carried those it sent: frames queued together go out
// in one write.
type Stats struct {
	FramesOut, WritesOut, FramesIn uint64
}

// Stats is what this end has sent and received so far.
func (m *Mux) Stats() Stats {
	return Stats{FramesOut: m.framesOut.Load(), WritesOut: m.writesOut.Load(), FramesIn: m.framesIn.Load()}
}

// channel is one relayed fd.
type channel struct {
	m        *Mux
	id       uint32
	kind     byte
	f        *os.File
	rc       syscall.RawConn
	read     bool // this side reads the fd and sends frames
	write    bool // this side writes frames' contents to the fd
	mu       sync.Mutex
	cond     *sync.Cond // credit came, or the channel closed
	credit   int
	queue    []pending // waiting for the fd to take them
	queued   int
	writing  bool // a writeLoop runs
	closing  bool // close once the queue is written
	closed   bool
	granted  int        // bytes written since the last TCredit
	bell     int        // driver side, packet: the stand-in of the node's bell; -1 if none
	live     bool       // packet: announced, so pktPoll may read it
	watched  bool       // packet: in pktPoll's epoll
	end      int        // driver side, packet: the engine's end of the stand-in (Pump); -1 if none
	children []*channel // hub side, packet: the sources passed in its messages
	readMu   sync.Mutex // hub side, source: its reader against drain
	drainFd  int        // hub side, source: a dup of the fd for drain; -1 if none
	passed   int        // bytes read from the fd, until it is widened
	feed     Feed       // driver side, output: takes the bytes in place of the stand-in pipe (FeedFrom)
	pipe     fileID     // driver side, output: the stand-in pipe, while in m.pipes
}

// outFrame is a frame waiting for the stream; pooled, if set, is the
// dataFrames buffer it lies in, returned once written.
type outFrame struct {
	b      []byte
	pooled *[]byte
}

// dataFrames are the buffers a channel reads a pipe into, behind room
// for the frame's header: the bytes read go out as they are, with no
// copy and no garbage per chunk.
var dataFrames = sync.Pool{New: func() any {
	b := make([]byte, frameHeader+dataChunk)
	return &b
}}

func (f outFrame) release() {
	if f.pooled != nil {
		dataFrames.Put(f.pooled)
	}
}

type pending struct {
	data []byte
	fds  []int
	ring bool
}

// ErrClosed is the end of a Mux that was closed on purpose.
var ErrClosed = errors.New("relay closed")

// newMux makes a Mux that reads the stream from in, a buffer over src:
// if src is a file of Go's poller, the stream's reader serves the packet
// channels while it waits (pktPoll), else a goroutine of their own does.
func newMux(hub bool, in *bufio.Reader, src io.Reader, out io.WriteCloser, onEnd func(error)) (*Mux, error) {
	m := &Mux{hub: hub, in: in, out: rawWriter(out), chans: map[uint32]*channel{}, pipes: map[fileID]*channel{},
		done: make(chan struct{}), wdone: make(chan struct{}), root: make(chan []int, 1), exit: make(chan uint32, 1), onEnd: onEnd}
	raw, _ := src.(*rawFile)
	streamFd := -1
	if raw != nil {
		raw.rc.Control(func(fd uintptr) { streamFd = int(fd) })
	}
	var err error
	if m.pkts, err = newPktPoll(m, streamFd); err != nil {
		return nil, err
	}
	if raw != nil {
		raw.pkts = m.pkts
	} else {
		go m.pkts.run()
	}
	m.wake = sync.NewCond(&m.mu)
	go m.writeLoop()
	return m, nil
}

// NewDriver starts the driver's end over in (a reader that may already
// hold some of the stream), a buffer over src (Reader's), and out.
// onEnd runs once when the stream ends.
func NewDriver(in *bufio.Reader, src io.Reader, out io.WriteCloser, onEnd func(error)) (*Mux, error) {
	m, err := newMux(false, in, src, out, onEnd)
	if err != nil {
		return nil, err
	}
	go m.readLoop()
	return m, nil
}

// Root waits for the hub's root announcement: the driver's ends of the
// root node's ctl, stdin, stdout and stderr.
func (m *Mux) Root(done <-chan struct{}) ([]int, error) {
	select {
	case fds := <-m.root:
		return fds, nil
	case <-m.done:
		return nil, m.Err()
	case <-done:
		return nil, errors.New("waiting for the remote root")
	}
}

// Exit is the root's wait status, if the hub sent it before the end.
func (m *Mux) Exit() (uint32, bool) {
	select {
	case s := <-m.exit:
		m.exit <- s
		return s, true
	default:
		return 0, false
	}
}

// Done is closed when the stream ended.
func (m *Mux) Done() <-chan struct{} { return m.done }

// Err is why the stream ended (nil while it runs).
func (m *Mux) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// Close ends the stream: every channel closes, and the other end sees
// the end of its input.
func (m *Mux) Close() { m.fail(ErrClosed) }

// fail ends the Mux once, with the reason.
func (m *Mux) fail(err error) {
	m.mu.Lock()
	if m.err != nil {
		m.mu.Unlock()
		return
	}
	m.err = err
	chans := m.chans
	m.chans = map[uint32]*channel{}
	m.wake.Broadcast()
	m.mu.Unlock()
	for _, c := range chans {
		c.close()
	}
	m.pkts.stop()
	<-m.wdone
	m.out.Close()
	close(m.done)
	if m.onEnd != nil {
		m.onEnd(err)
	}
}

func (m *Mux) send(frame []byte) { m.queue(outFrame{b: frame}) }

func (m *Mux) queue(f outFrame) {
	m.mu.Lock()
	if m.err == nil {
		m.q = append(m.q, f)
		m.wake.Signal()
	} else {
		f.release()
	}
	m.mu.Unlock()
}

// sendNowFrame writes f in the calling goroutine when nothing else is
// being written or queued: a pipe's bytes then reach the stream without
// waking the writer (a goroutine's wake-up on a loaded VM costs tens of
// µs). Only pipe readers use it; the stream's reader uses sendNoWait,
// since it must never wait for the stream's other direction.
func (m *Mux) sendNowFrame(f outFrame) {
	m.mu.Lock()
	if m.err != nil || m.busy || len(m.q) > 0 {
		m.mu.Unlock()
		m.queue(f)
		return
	}
	m.busy = true
	m.mu.Unlock()
	_, err := m.out.Write(f.b)
	f.release()
	m.wrote(1, err)
}

// sendNoWait sends a frame in the calling goroutine, if the stream is
// free, as much of it as the stream takes at once; what is left, or all
// of it if the stream is busy, is queued for the writer. It never waits,
// so the stream's reader uses it (for credit and, serving the packet
// channels, for messages), and the writer is not woken for a frame the
// stream takes (in bulk transfers, a credit goes back for every other
// data frame: creditEvery).
func (m *Mux) sendNoWait(frame []byte) {
	out, ok := m.out.(*rawFile)
	m.mu.Lock()
	if !ok || m.err != nil || m.busy || len(m.q) > 0 {
		m.mu.Unlock()
		m.send(frame)
		return
	}
	m.busy = true
	m.mu.Unlock()
	var n int
	var err error
	if cerr := out.rc.Control(func(fd uintptr) { n, err = rawWrite(int(fd), frame) }); cerr != nil {
		err = cerr
	}
	if n == len(frame) || err != nil && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
		m.wrote(1, err)
		return
	}
	m.mu.Lock() // not taken whole: the rest goes first
	m.q = append([]outFrame{{b: frame[n:]}}, m.q...)
	m.busy = false
	m.wake.Signal()
	m.mu.Unlock()
}

// wrote ends a frame's write of the stream (in so many writes): the
// stream is free for the queue, or lost.
func (m *Mux) wrote(writes uint64, err error) {
	m.framesOut.Add(1)
	m.writesOut.Add(writes)
	m.mu.Lock()
	m.busy = false
	if len(m.q) > 0 {
		m.wake.Signal()
	}
	m.mu.Unlock()
	if err != nil {
		go m.fail(fmt.Errorf("writing to the stream: %w", err))
	}
}

// writeLoop writes the queued frames in order, many to a write. One
// queue for all channels keeps a child's output ahead of its exit event;
// the channels' credit bounds what a flooding one has queued.
func (m *Mux) writeLoop() {
	defer close(m.wdone)
	var buf []byte
	for {
		m.mu.Lock()
		for (len(m.q) == 0 || m.busy) && m.err == nil {
			m.wake.Wait()
		}
		batch := m.q
		m.q = nil
		stop := m.err != nil
		m.busy = !stop
		m.mu.Unlock()
		if len(batch) > 0 {
			var err error
			buf, err = m.writeBatch(batch, buf)
			for _, f := range batch {
				f.release()
			}
			if err != nil {
				go m.fail(fmt.Errorf("writing to the stream: %w", err))
				return
			}
			m.framesOut.Add(uint64(len(batch)))
		}
		if stop {
			return
		}
		m.mu.Lock()
		m.busy = false
		m.mu.Unlock()
	}
}

// writeBatch writes frames in one writev where the stream is a file
// (no copy of the data frames into one buffer), else in one write of
// their concatenation in buf.
func (m *Mux) writeBatch(batch []outFrame, buf []byte) ([]byte, error) {
	if sc, ok := m.out.(syscall.Conn); ok && len(batch) > 1 {
		if rc, err := sc.SyscallConn(); err == nil {
			iov := make([][]byte, len(batch))
			for i, f := range batch {
				iov[i] = f.b
			}
			return buf, m.writev(rc, iov)
		}
	}
	var err error
	if len(batch) == 1 {
		_, err = m.out.Write(batch[0].b)
	} else {
		buf = buf[:0]
		for _, f := range batch {
			buf = append(buf, f.b...)
		}
		_, err = m.out.Write(buf)
		if cap(buf) > 1<<20 {
			buf = nil
		}
	}
	m.writesOut.Add(1)
	return buf, err
}

// writev writes all of iov, as many writev calls as the stream takes.
func (m *Mux) writev(rc syscall.RawConn, iov [][]byte) error {
	var vecs []unix.Iovec
	for {
		for len(iov) > 0 && len(iov[0]) == 0 {
			iov = iov[1:]
		}
		if len(iov) == 0 {
			return nil
		}
		var n int
		var err error
		cerr := rc.Write(func(fd uintptr) bool {
			n, vecs, err = rawWritev(int(fd), iov, vecs)
			return !errors.Is(err, unix.EAGAIN)
		})
		if cerr != nil {
			return cerr
		}
		if err != nil && !errors.Is(err, unix.EINTR) {
			return err
		}
		m.writesOut.Add(1)
		for n > 0 {
			k := min(n, len(iov[0]))
			iov[0], n = iov[0][k:], n-k
			if len(iov[0]) == 0 {
				iov = iov[1:]
			}
		}
	}
}

// readLoop takes frames from the stream until it ends or lies.
func (m *Mux) readLoop() {
	var buf []byte
	for {
		f, b, err := ReadFrame(m.in, buf)
		buf = b
		if err == nil {
			m.framesIn.Add(1)
			err = m.handle(f)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.EOF
			}
			m.fail(err)
			return
		}
	}
}

func (m *Mux) lookup(id uint32) *channel {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.chans[id]
}

func (m *Mux) handle(f Frame) error {
	switch f.Type {
	case TRoot:
		if m.hub {
			return fmt.Errorf("%w: root frame sent to the hub", ErrProtocol)
		}
		fds, err := m.standIns(f.Announce, nil)
		if err != nil {
			return err
		}
		select {
		case m.root <- fds:
		default:
			closeAll(fds)
			return fmt.Errorf("%w: a second root frame", ErrProtocol)
		}
	case TExit:
		select {
		case m.exit <- f.Credit:
		default:
		}
	case TMsg:
		c := m.lookup(f.Chan)
		if m.hub && len(f.Announce) > 0 {
			return fmt.Errorf("%w: the driver cannot pass fds to a remote host", ErrProtocol)
		}
		var fds []int
		if len(f.Announce) > 0 {
			var err error
			if fds, err = m.standIns(f.Announce, c); err != nil {
				return err
			}
		}
		if c == nil || c.kind != KindPacket {
			closeAll(fds)
			return nil // closed meanwhile: what it said goes nowhere
		}
		// The driver's poller reads relayed messages: its callers park
		// rather than read (see engine's awaitParked).
		return c.deliver(f.Payload, fds, !m.hub)
	case TData:
		if c := m.lookup(f.Chan); c != nil {
			if !c.write || c.kind == KindPacket {
				return fmt.Errorf("%w: data for channel %d, which does not take data", ErrProtocol, f.Chan)
			}
			return c.deliver(f.Payload, nil, false)
		}
	case TClose:
		if c := m.lookup(f.Chan); c != nil {
			c.closeWhenWritten()
		}
	case TCredit:
		if c := m.lookup(f.Chan); c != nil {
			c.mu.Lock()
			c.credit += int(min(f.Credit, 4*Window))
			c.cond.Broadcast()
			resume := c.kind == KindPacket && !c.watched
			c.mu.Unlock()
			if resume {
				m.pkts.watch(c)
			}
		}
	}
	return nil
}

// standIns makes the driver's stand-ins for announced channels and
// returns the ends for the engine, in order. A bell belongs to the
// packet channel announced with it, or else to the channel (on) whose
// message passed it (the root's ready message).
func (m *Mux) standIns(anns []Announce, on *channel) (fds []int, err error) {
	var pkt *channel
	bell := -1 // not an os.File: Go's poller would wake for its writes
	defer func() {
		if err != nil {
			closeAll(fds)
			fds = nil
			if bell >= 0 {
				unix.Close(bell)
			}
		}
	}()
	for _, a := range anns {
		if c := m.lookup(a.Chan); c != nil {
			return fds, fmt.Errorf("%w: channel %d announced twice", ErrProtocol, a.Chan)
		}
		switch a.Kind {
		case KindPacket:
			sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return fds, os.NewSyscallError("socketpair", err)
			}
			fds = append(fds, sp[1])
			if pkt, err = m.add(a.Chan, a.Kind, sp[0], true, true); err != nil {
				return fds, err
			}
			setEnd(sp[1], pkt)
		case KindSource, KindSink:
			var p [2]int
			if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
				return fds, os.NewSyscallError("pipe2", err)
			}
			mine, theirs := p[1], p[0] // the hub reads: we write
			if a.Kind == KindSink {
				mine, theirs = p[0], p[1]
			}
			fds = append(fds, theirs)
			c, err := m.add(a.Chan, a.Kind, mine, a.Kind == KindSink, a.Kind == KindSource)
			if err != nil {
				return fds, err
			}
			if a.Kind == KindSource {
				m.feedable(c, theirs)
			}
		case KindBell:
			efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
			if err != nil {
				return fds, os.NewSyscallError("eventfd", err)
			}
			d, err := unix.FcntlInt(uintptr(efd), unix.F_DUPFD_CLOEXEC, 0)
			if err != nil {
				unix.Close(efd)
				return fds, os.NewSyscallError("dup", err)
			}
			fds = append(fds, d)
			if bell >= 0 {
				unix.Close(bell) // a second bell in one announcement
			}
			bell = efd
		}
	}
	if bell >= 0 {
		owner := pkt
		if owner == nil {
			owner = on
		}
		if owner == nil {
			return fds, fmt.Errorf("%w: a bell without its node", ErrProtocol)
		}
		owner.mu.Lock()
		old := owner.bell
		if owner.closed {
			old = bell
		} else {
			owner.bell = bell
		}
		owner.mu.Unlock()
		if old >= 0 {
			unix.Close(old)
		}
	}
	return fds, nil
}

// add registers fd as channel id; on the driver, it starts its reader.
// A pipe is made non-blocking and goes to Go's poller; a socket is made
// blocking, which keeps it out of it (pktPoll reads it, and every
// syscall on it says MSG_DONTWAIT).
func (m *Mux) add(id uint32, kind byte, fd int, read, write bool) (*channel, error) {
	if err := unix.SetNonblock(fd, kind != KindPacket); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	f := os.NewFile(uintptr(fd), fmt.Sprintf("relay channel %d", id))
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	c := &channel{m: m, id: id, kind: kind, f: f, rc: rc, read: read, write: write, credit: Window, drainFd: -1, bell: -1, end: -1}
	c.cond = sync.NewCond(&c.mu)
	m.mu.Lock()
	if m.err != nil || len(m.chans) >= maxChannels {
		err := m.err
		m.mu.Unlock()
		f.Close()
		if err == nil {
			err = fmt.Errorf("%w: more than %d channels", ErrProtocol, maxChannels)
		}
		return nil, err
	}
	m.chans[id] = c
	m.mu.Unlock()
	if read && !m.hub {
		start([]*channel{c})
	}
	return c, nil
}

// feedable lets the engine take an output channel's bytes from the
// relay rather than from its stand-in pipe, end (FeedFrom).
func (m *Mux) feedable(c *channel, end int) {
	id, ok := fileOf(end)
	if !ok {
		return
	}
	m.mu.Lock()
	if m.chans[c.id] == c {
		c.pipe = id
		m.pipes[id] = c
	}
	m.mu.Unlock()
}

// start starts reading channels, on the hub once the frame that
// announces them is queued: what they read must not overtake it.
func start(cs []*channel) {
	for _, c := range cs {
		switch {
		case !c.read:
		case c.kind == KindPacket:
			c.mu.Lock()
			c.live = true
			c.mu.Unlock()
			c.m.pkts.watch(c)
		default:
			go c.readLoop()
		}
	}
}

// maxQueued bounds what a channel may have queued: its credit (a window,
// and a read past it), and a drain at its node's exit, which the hub
// sends past the credit so that the output comes before the exit event
// (drain): what a widened pipe holds. The bound was two windows and a
// frame, and a drain of a full widened pipe (the hub read it slower than
// the program wrote: 4.7 MB of seq) went past it, failing the host with
// a protocol error (TestRemoteBulkOutputArrivesIntact, 1 in 10 to 20
// runs of a race build under load).
const maxQueued = 2*Window + pipeSize + MaxFrame

// deliver writes a frame's contents to the fd, at once if it takes them,
// else queued for writeLoop. Credit goes back as bytes are written.
func (c *channel) deliver(data []byte, fds []int, ring bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.closing {
		closeAll(fds)
		return nil
	}
	if len(c.queue) == 0 {
		n, err := c.tryWrite(data, fds)
		if err == nil && n == len(data) {
			c.written(n, ring)
			return nil
		}
		if err != nil && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, errFeedRefused) {
			closeAll(fds)
			go c.hangUp()
			return nil
		}
		if n > 0 {
			c.written(n, false)
			data, fds = data[n:], nil
		}
	}
	if c.queued+len(data) > maxQueued {
		closeAll(fds)
		return fmt.Errorf("%w: channel %d sent past its credit", ErrProtocol, c.id)
	}
	c.queue = append(c.queue, pending{data: append([]byte(nil), data...), fds: fds, ring: ring})
	c.queued += len(data)
	if !c.writing {
		c.writing = true
		if c.feed != nil {
			go c.feedLoop()
		} else {
			go c.writeLoop()
		}
	}
	return nil
}

// tryWrite writes without waiting (c.mu held). A packet goes whole or
// not at all; the fds it passes are closed once sent.
func (c *channel) tryWrite(data []byte, fds []int) (int, error) {
	if c.feed != nil {
		return c.putFeed(data)
	}
	var n int
	var err error
	cerr := c.rc.Write(func(fd uintptr) bool {
		if c.kind == KindPacket {
			var oob []byte
			if len(fds) > 0 {
				oob = unix.UnixRights(fds...)
			}
			err = rawSendmsg(int(fd), data, oob)
			if err == nil {
				n = len(data)
				closeAll(fds)
			}
		} else {
			n, err = rawWrite(int(fd), data)
		}
		return true
	})
	if cerr != nil {
		return 0, cerr
	}
	return n, err
}

// creditEvery is how many written bytes a credit frame gives back. Each
// one crosses ssh and sshd as a packet of its own and wakes the hub:
// half a window rather than a quarter (one 64 KiB chunk) took about
// 0.1 s of CPU per GiB off sshd and the hub (perf by process in
// BenchmarkHostBulk, two alternated pairs: 3.97 and 4.12 s of CPU per
// GiB in all, against 3.88 and 3.96), at the same throughput.
const creditEvery = Window / 2

// written counts bytes the fd took, gives credit back creditEvery bytes
// at a time, and rings the node's bell after a message (c.mu held).
func (c *channel) written(n int, ring bool) {
	c.granted += n
	if c.granted >= creditEvery {
		c.m.sendNoWait(creditFrame(c.id, c.granted))
		c.granted = 0
	}
	if ring && c.bell >= 0 { // c.mu keeps it open
		var one [8]byte
		one[0] = 1
		rawWrite(c.bell, one[:])
	}
}

func creditFrame(id uint32, n int) []byte {
	return AppendFrame(nil, TCredit, id, nil, binary.LittleEndian.AppendUint32(nil, uint32(n)))
}

// doneWriting is the end of a write or feed loop (c.mu held): with nothing
// left queued, or the channel closed, the loop is over. It then lets go
// of c.mu and closes a channel that was closing once written out, and
// says true; else it keeps c.mu.
func (c *channel) doneWriting() bool {
	if len(c.queue) > 0 && !c.closed {
		return false
	}
	c.writing = false
	closing := c.closing && !c.closed
	c.mu.Unlock()
	if closing {
		c.close()
	}
	return true
}

// writeLoop writes what deliver queued, waiting for the fd to take it.
func (c *channel) writeLoop() {
	for {
		c.mu.Lock()
		if c.doneWriting() {
			return
		}
		p := c.queue[0]
		c.mu.Unlock()
		n, err := c.waitWrite(p)
		c.mu.Lock()
		if len(c.queue) > 0 {
			c.queue[0].data, c.queue[0].fds = p.data[n:], nil
			c.queued -= n
			if n == len(p.data) {
				c.queue = c.queue[1:]
			}
		}
		c.written(n, n == len(p.data) && p.ring)
		c.mu.Unlock()
		if err != nil {
			c.hangUp()
			return
		}
	}
}

// waitWrite writes p, or as much of it as the fd takes before an error.
func (c *channel) waitWrite(p pending) (int, error) {
	if c.kind == KindPacket {
		return c.waitSendmsg(p)
	}
	var n int
	var err error
	cerr := c.rc.Write(func(fd uintptr) bool {
		var k int
		k, err = rawWrite(int(fd), p.data[n:])
		n += k
		if errors.Is(err, unix.EAGAIN) || err == nil && n < len(p.data) {
			return false
		}
		return true
	})
	if cerr != nil {
		return n, cerr
	}
	return n, err
}

// waitSendmsg sends one message, whole, waiting for room as long as the
// socket is full.
func (c *channel) waitSendmsg(p pending) (int, error) {
	var oob []byte
	if len(p.fds) > 0 {
		oob = unix.UnixRights(p.fds...)
	}
	for {
		var err error
		if cerr := c.rc.Control(func(fd uintptr) { err = rawSendmsg(int(fd), p.data, oob) }); cerr != nil {
			return 0, cerr
		}
		switch {
		case err == nil:
			closeAll(p.fds)
			return len(p.data), nil
		case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
			if err := c.waitPacketWrite(); err != nil {
				return 0, err
			}
		default:
			return 0, err
		}
	}
}

// readLoop sends what a pipe gives, within the channel's credit, until
// it ends; then the other side closes its stand-in. (pktPoll reads the
// packet channels.)
func (c *channel) readLoop() {
	for {
		c.mu.Lock()
		for c.credit <= 0 && !c.closed {
			c.cond.Wait()
		}
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return
		}
		n, err := c.readPipe()
		if err != nil || n == 0 {
			c.hangUp()
			return
		}
		c.mu.Lock()
		c.credit -= n
		c.mu.Unlock()
	}
}

// ended tells the fd's end from an empty message, after a read of 0
// bytes: a node's program may write "" to its control socket (write [$c]
// 3 ""), which a packet socket takes as a message of 0 bytes. The end
// is a peer that shut down with no bytes left queued: then any empty
// messages left are its last words, and nothing else follows. (The
// engine's own reader peeks instead; this also tells several empty
// messages in a row from the end.)
func (c *channel) ended() bool {
	if c.kind != KindPacket {
		return true
	}
	var ended bool
	cerr := c.rc.Control(func(fd uintptr) { ended = packetsEnded(int(fd)) })
	return cerr != nil || ended
}

func packetsEnded(fd int) bool {
	p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
	for {
		_, err := unix.Poll(p, 0)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EINTR) {
			return true
		}
	}
	if p[0].Revents&(unix.POLLRDHUP|unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) == 0 {
		return false // the peer is there: the 0 bytes were a message
	}
	queued, err := unix.IoctlGetInt(fd, unix.SIOCINQ)
	return err != nil || queued == 0
}

// readPipe sends what the pipe holds, waiting for it; 0 bytes is its end.
func (c *channel) readPipe() (n int, err error) {
	cerr := c.rc.Read(func(fd uintptr) bool {
		c.readMu.Lock() // sent under it: drain's bytes must not pass these
		var spliced bool
		if n, spliced, err = c.spliceData(int(fd)); !spliced {
			n, err = c.readData(int(fd))
		}
		c.readMu.Unlock()
		return !errors.Is(err, unix.EAGAIN)
	})
	if cerr != nil {
		return 0, cerr
	}
	return n, err
}

// readData reads a pipe into a pooled frame and sends it (c.readMu held).
func (c *channel) readData(fd int) (int, error) {
	p := dataFrames.Get().(*[]byte)
	f := *p
	n, err := rawRead(fd, f[frameHeader:])
	if err != nil || n <= 0 {
		dataFrames.Put(p)
		return max(n, 0), err
	}
	c.passBytes(fd, n)
	f[0] = TData
	binary.LittleEndian.PutUint32(f[1:5], c.id)
	binary.LittleEndian.PutUint32(f[5:9], uint32(n))
	c.m.sendNowFrame(outFrame{b: f[:frameHeader+n], pooled: p})
	return n, nil
}

// passBytes counts n bytes read from the pipe fd, and widens it once
// more than the default went through.
func (c *channel) passBytes(fd, n int) {
	if c.passed >= 0 {
		if c.passed += n; c.passed > defaultPipe {
			c.passed = -1
			Widen(fd)
		}
	}
}

// A pipe a channel reads grows to pipeSize once more than the kernel's
// default went through it, as the engine grows the pipes it reads:
// the writer then runs ahead of the relay by more than one chunk.
const (
	pipeSize    = 1 << 20
	defaultPipe = 64 << 10
)

// Widen grows the pipe fd to pipeSize, if it is one and the user may.
func Widen(fd int) { unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, pipeSize) }

// hangUp closes the channel here and tells the other side.
func (c *channel) hangUp() {
	c.m.send(AppendFrame(nil, TClose, c.id, nil, nil))
	c.close()
}

// closeWhenWritten closes the channel once what it has queued is written.
func (c *channel) closeWhenWritten() {
	c.mu.Lock()
	if c.writing && len(c.queue) > 0 {
		c.closing = true
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.close()
}

func (c *channel) close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.m.pkts.unwatch(c)
	if c.end >= 0 {
		dropEnd(c)
	}
	c.cond.Broadcast()
	for _, p := range c.queue {
		closeAll(p.fds)
	}
	c.queue = nil
	bell := c.bell
	c.bell = -1
	feed := c.feed
	c.mu.Unlock()
	if feed != nil {
		feed.End()
	}
	c.readMu.Lock()
	if c.drainFd >= 0 {
		unix.Close(c.drainFd)
		c.drainFd = -1
	}
	c.readMu.Unlock()
	c.f.Close()
	if bell >= 0 {
		unix.Close(bell)
	}
	c.m.mu.Lock()
	if c.m.chans[c.id] == c {
		delete(c.m.chans, c.id)
	}
	if c.m.pipes[c.pipe] == c {
		delete(c.m.pipes, c.pipe)
	}
	c.m.mu.Unlock()
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
