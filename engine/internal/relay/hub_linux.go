package relay

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/wire"
)

// HubFlag in argv[1] makes the binary a hub (package engine's hook).
const HubFlag = "-alsh-hub"

// HubHello is the hub's first line on the stream: frames follow it.
const HubHello = "ALSH-HUB 1\n"

// NewHub starts the hub's end of the stream.
func NewHub(in io.Reader, out io.WriteCloser, onEnd func(error)) (*Mux, error) {
	src := rawReader(in)
	m, err := newMux(true, bufio.NewReaderSize(src, 256<<10), src, out, onEnd)
	if err != nil {
		return nil, err
	}
	if f, ok := m.out.(*rawFile); ok { // not f.f.Fd(), which makes it blocking
		var st unix.Stat_t
		f.rc.Control(func(fd uintptr) {
			if unix.Fstat(int(fd), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO {
				m.pipeOut = f.rc
			}
		})
	}
	go m.readLoop()
	return m, nil
}

// spliceData moves what a node's pipe holds to the stream with splice,
// which passes the pipe's pages on rather than copying them through the
// hub (reading and writing them was most of the hub's CPU in bulk
// transfers): the frame's header first, then its bytes, while this
// goroutine holds the stream. Where it cannot (the stream is busy or no
// pipe, or the node's pipe is empty or ended) it moves nothing and says
// so, and the caller reads instead (c.readMu held).
func (c *channel) spliceData(fd int) (int, bool, error) {
	m := c.m
	if m.pipeOut == nil {
		return 0, false, nil
	}
	n, err := rawInq(fd)
	if err != nil || n <= 0 {
		return 0, false, nil
	}
	n = min(n, dataChunk)
	m.mu.Lock()
	if m.err != nil || m.busy || len(m.q) > 0 {
		m.mu.Unlock()
		return 0, false, nil
	}
	m.busy = true
	m.mu.Unlock()
	c.passBytes(fd, n)
	var h [frameHeader]byte
	h[0] = TData
	binary.LittleEndian.PutUint32(h[1:5], c.id)
	binary.LittleEndian.PutUint32(h[5:9], uint32(n))
	err = m.writeOut(func(out, left int) (int, error) { return rawWrite(out, h[len(h)-left:]) }, len(h))
	if err == nil {
		// Only this goroutine reads fd (readMu), which holds n bytes.
		err = m.writeOut(func(out, left int) (int, error) {
			return rawSplice(fd, out, left)
		}, n)
	}
	m.wrote(2, err)
	return n, true, nil
}

// writeOut moves size bytes to the stream with op, as many times as it
// takes, waiting for room between. op is given how many bytes are left:
// after a partial move, asking for all size again moved the bytes of the
// next frame too (a splice of a pipe that held more), past the frame's
// length, and the driver read them as frames ("sent past its credit").
func (m *Mux) writeOut(op func(out, left int) (int, error), size int) error {
	for size > 0 {
		var k int
		var err error
		cerr := m.pipeOut.Write(func(fd uintptr) bool {
			k, err = op(int(fd), size)
			return !errors.Is(err, unix.EAGAIN)
		})
		if cerr != nil {
			return cerr
		}
		if err != nil && !errors.Is(err, unix.EINTR) {
			return err
		}
		if err == nil && k == 0 {
			return io.ErrUnexpectedEOF
		}
		size -= max(k, 0)
	}
	return nil
}

// AnnounceRoot relays the root node's fds (ctl, stdin, stdout, stderr:
// the hub's ends) and tells the driver.
func (m *Mux) AnnounceRoot(fds []int) error {
	anns, adopted, err := m.adopt(fds)
	if err != nil {
		return err
	}
	m.send(AppendFrame(nil, TRoot, 0, anns, nil))
	start(adopted)
	return nil
}

// SendExit tells the driver the root's wait status, then lets the
// queued frames go out.
func (m *Mux) SendExit(status uint32) {
	m.send(AppendFrame(nil, TExit, 0, nil, []byte{byte(status), byte(status >> 8), byte(status >> 16), byte(status >> 24)}))
}

// Flush waits until every queued frame is written (or the stream ended).
func (m *Mux) Flush() {
	for {
		m.mu.Lock()
		empty := len(m.q) == 0 || m.err != nil
		m.mu.Unlock()
		if empty {
			return
		}
		select {
		case <-m.done:
			return
		default:
		}
		sleepBriefly()
	}
}

// forward sends a control message read from c. On the hub, the fds it
// passes become channels; an event first takes along what the pipes of
// c's children hold, so that a program's output comes before its exit.
func (m *Mux) forward(c *channel, msg []byte, fds []int) {
	var anns []Announce
	var adopted []*channel
	if m.hub {
		var err error
		anns, adopted, err = m.adopt(fds)
		if err != nil {
			fmt.Fprintf(os.Stderr, "alsh hub: %v\n", err)
		}
		c.mu.Lock()
		for _, a := range adopted {
			if a.kind == KindSource {
				c.children = append(pruneClosed(c.children), a)
			}
		}
		kids := append([]*channel(nil), c.children...)
		c.mu.Unlock()
		if len(msg) > 0 && msg[0] == wire.MsgEvent {
			for _, k := range kids {
				k.drain()
			}
		}
	} else {
		closeAll(fds) // the driver passes no fds to a remote node
	}
	m.sendNoWait(AppendFrame(nil, TMsg, c.id, anns, msg))
	start(adopted)
}

func pruneClosed(cs []*channel) []*channel {
	out := cs[:0]
	for _, c := range cs {
		c.mu.Lock()
		if !c.closed {
			out = append(out, c)
		}
		c.mu.Unlock()
	}
	clear(cs[len(out):])
	return out
}

// drain sends what the pipe holds now, past the credit (a pipe holds a
// bounded amount), without waiting for more.
func (c *channel) drain() {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if c.drainFd < 0 {
		return
	}
	buf := make([]byte, dataChunk)
	for range 64 {
		n, err := unix.Read(c.drainFd, buf)
		if err != nil || n <= 0 {
			return
		}
		c.m.send(AppendFrame(nil, TData, c.id, nil, buf[:n]))
	}
}

// adopt makes channels of fds the hub holds, by what each is; their
// readers start later (start).
func (m *Mux) adopt(fds []int) (anns []Announce, adopted []*channel, err error) {
	for i, fd := range fds {
		kind, kerr := kindOf(fd)
		if kerr != nil {
			closeAll(fds[i:])
			return anns, adopted, kerr
		}
		m.mu.Lock()
		m.nextID++
		id := m.nextID
		m.mu.Unlock()
		anns = append(anns, Announce{Chan: id, Kind: kind})
		if kind == KindBell { // the driver rings its stand-in itself
			unix.Close(fd)
			continue
		}
		c, aerr := m.add(id, kind, fd, kind != KindSink, kind != KindSource)
		if aerr != nil {
			closeAll(fds[i+1:])
			return anns, adopted, aerr
		}
		if kind == KindSource {
			c.readMu.Lock()
			if d, derr := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0); derr == nil {
				c.drainFd = d
			}
			c.readMu.Unlock()
		}
		adopted = append(adopted, c)
	}
	return anns, adopted, nil
}

func kindOf(fd int) (byte, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, os.NewSyscallError("fstat", err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFSOCK:
		return KindPacket, nil
	case unix.S_IFIFO:
		fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		if err != nil {
			return 0, os.NewSyscallError("fcntl", err)
		}
		if fl&unix.O_ACCMODE == unix.O_WRONLY {
			return KindSink, nil
		}
		return KindSource, nil
	}
	if l, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd)); strings.Contains(l, "eventfd") {
		return KindBell, nil
	}
	return 0, fmt.Errorf("fd %d passed by a node is neither a socket, a pipe nor an eventfd", fd)
}
