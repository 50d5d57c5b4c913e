// Package relay carries many nodes' control sockets and stdio pipes over
// one byte stream (an ssh connection's stdin and stdout). The same Mux
// runs at both ends: on the remote host in the hub (the process ssh
// starts, which starts the remote root node and holds the real fds) and
// in the driver, which gets local socketpairs, pipes and eventfds that
// stand for the remote ones, so the rest of the engine works unchanged.
//
// Frames from the remote side are untrusted input: ReadFrame checks
// every length and kind before anything is allocated or used (it is
// fuzzed: go test -fuzz FuzzReadFrame ./engine/internal/relay/).
package relay

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/alsh/alsh/engine/internal/wire"
)

// Frame types.
const (
	// TMsg is one control message on a packet channel; from the hub, it
	// announces the channels of the fds passed with it.
	TMsg byte = iota + 1
	// TData is bytes of a pipe.
	TData
	// TClose says the channel's fd ended at the sender (EOF, hang-up).
	TClose
	// TCredit lets the receiver send that many more bytes on the channel.
	TCredit
	// TRoot announces the root node's ctl, stdin, stdout and stderr.
	TRoot
	// TExit gives the root node's wait status: the session ends normally.
	TExit
)

// Channel kinds, as the hub sees its fd.
const (
	KindPacket byte = iota + 1 // a node's control socket
	KindSource                 // a pipe the hub reads (a node's stdout)
	KindSink                   // a pipe the hub writes (a node's stdin)
	KindBell                   // a node's bell (eventfd)
)

const (
	frameHeader = 9
	// MaxFrame bounds a frame's payload: a control message and its
	// announcements.
	MaxFrame = wire.MaxMsg + 1 + maxAnnounce*5
	// maxAnnounce bounds the fds passed with one message (a fork's reply
	// passes five).
	maxAnnounce = 8
	// dataChunk is the largest TData payload a Mux sends.
	dataChunk = 64 << 10
	// Window is how many bytes a channel may have unacknowledged: it
	// bounds what a flooding node has in flight ahead of another node's
	// reply, and it must cover what the pipes and buffers of the hub,
	// sshd, ssh and the driver hold in between for bulk output to flow.
	// 512 KiB against 256 KiB (credit every half window, six alternated
	// pairs of BenchmarkHostBulk): faster in five, the ratio's middle
	// 1.0 against 0.79; a quiet node's call during a flood took 1.1 ms
	// (median) against 0.7 ms.
	Window = 512 << 10
)

// ErrProtocol is bad input from the other end of the stream.
var ErrProtocol = errors.New("relay protocol error")

// Announce names a new channel and its kind.
type Announce struct {
	Chan uint32
	Kind byte
}

// Frame is one decoded frame. Payload aliases the reader's buffer.
type Frame struct {
	Type     byte
	Chan     uint32
	Announce []Announce
	Payload  []byte
	Credit   uint32
}

// AppendFrame appends a frame's encoding to b.
func AppendFrame(b []byte, typ byte, ch uint32, ann []Announce, payload []byte) []byte {
	n := len(payload)
	if typ == TMsg || typ == TRoot {
		n += 1 + 5*len(ann)
	}
	b = append(b, typ)
	b = binary.LittleEndian.AppendUint32(b, ch)
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	if typ == TMsg || typ == TRoot {
		b = append(b, byte(len(ann)))
		for _, a := range ann {
			b = binary.LittleEndian.AppendUint32(b, a.Chan)
			b = append(b, a.Kind)
		}
	}
	return append(b, payload...)
}

// ReadFrame reads and checks one frame. The payload aliases r's buffer
// when the frame fits in it (no copy: valid until r is read again),
// else buf, which is reused.
func ReadFrame(r *bufio.Reader, buf []byte) (Frame, []byte, error) {
	h, err := r.Peek(frameHeader)
	if err != nil {
		if len(h) > 0 && errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, buf, err
	}
	f := Frame{Type: h[0], Chan: binary.LittleEndian.Uint32(h[1:5])}
	n := binary.LittleEndian.Uint32(h[5:9])
	if f.Type < TMsg || f.Type > TExit {
		return f, buf, fmt.Errorf("%w: unknown frame type %d", ErrProtocol, f.Type)
	}
	if n > MaxFrame {
		return f, buf, fmt.Errorf("%w: frame of %d bytes, more than %d", ErrProtocol, n, MaxFrame)
	}
	if whole := frameHeader + int(n); whole <= r.Size() {
		p, err := r.Peek(whole)
		if err != nil {
			return f, buf, fmt.Errorf("%w: stream ended inside a frame: %v", ErrProtocol, err)
		}
		r.Discard(whole) // p stays valid: r's buffer moves only when read
		return f, buf, f.parse(p[frameHeader:])
	}
	r.Discard(frameHeader)
	if cap(buf) < int(n) {
		buf = make([]byte, n, max(int(n), 64<<10))
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return f, buf, fmt.Errorf("%w: stream ended inside a frame: %v", ErrProtocol, err)
	}
	return f, buf, f.parse(buf)
}

func (f *Frame) parse(p []byte) error {
	switch f.Type {
	case TMsg, TRoot:
		if len(p) < 1 {
			return fmt.Errorf("%w: message frame without its count of fds", ErrProtocol)
		}
		k := int(p[0])
		if k > maxAnnounce || len(p) < 1+5*k {
			return fmt.Errorf("%w: message frame announces %d channels in %d bytes", ErrProtocol, k, len(p))
		}
		for i := range k {
			a := Announce{Chan: binary.LittleEndian.Uint32(p[1+5*i:]), Kind: p[5+5*i]}
			if a.Kind < KindPacket || a.Kind > KindBell || a.Chan == 0 {
				return fmt.Errorf("%w: announced channel %d of kind %d", ErrProtocol, a.Chan, a.Kind)
			}
			f.Announce = append(f.Announce, a)
		}
		f.Payload = p[1+5*k:]
		if f.Type == TRoot && len(f.Payload) != 0 {
			return fmt.Errorf("%w: root frame with a message", ErrProtocol)
		}
	case TData:
		if len(p) == 0 || len(p) > dataChunk {
			return fmt.Errorf("%w: data frame of %d bytes", ErrProtocol, len(p))
		}
		f.Payload = p
	case TClose:
		if len(p) != 0 {
			return fmt.Errorf("%w: close frame with %d bytes", ErrProtocol, len(p))
		}
	case TCredit, TExit:
		if len(p) != 4 {
			return fmt.Errorf("%w: frame type %d with %d bytes, want 4", ErrProtocol, f.Type, len(p))
		}
		f.Credit = binary.LittleEndian.Uint32(p)
	}
	return nil
}
