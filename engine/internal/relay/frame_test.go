package relay

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReadFrame feeds the decoder what a hostile host could send: it
// must return frames or an error, never panic or allocate past MaxFrame,
// and a frame it accepts must encode back to the same bytes.
func FuzzReadFrame(f *testing.F) {
	f.Add(AppendFrame(nil, TMsg, 3, []Announce{{Chan: 4, Kind: KindPacket}, {Chan: 5, Kind: KindBell}}, []byte("\x03\x00\x00\x00\x01\x00\x00\x00")))
	f.Add(AppendFrame(nil, TData, 7, nil, []byte("hello")))
	f.Add(AppendFrame(nil, TCredit, 7, nil, []byte{0, 0, 1, 0}))
	f.Add(AppendFrame(nil, TRoot, 0, []Announce{{1, KindPacket}, {2, KindSink}, {3, KindSource}, {4, KindSource}}, nil))
	f.Add([]byte{TMsg, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{TMsg, 1, 0, 0, 0, 1, 0, 0, 0, 200})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bufio.NewReader(bytes.NewReader(b))
		var buf []byte
		for {
			fr, nb, err := ReadFrame(r, buf)
			buf = nb
			if err != nil {
				if !errors.Is(err, ErrProtocol) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("an error that is neither a protocol error nor the end: %v", err)
				}
				return
			}
			if cap(buf) > max(MaxFrame, 64<<10) {
				t.Fatalf("a buffer of %d bytes", cap(buf))
			}
			var payload []byte
			switch fr.Type {
			case TCredit, TExit:
				payload = []byte{byte(fr.Credit), byte(fr.Credit >> 8), byte(fr.Credit >> 16), byte(fr.Credit >> 24)}
			default:
				payload = fr.Payload
			}
			again := AppendFrame(nil, fr.Type, fr.Chan, fr.Announce, payload)
			fr2, _, err := ReadFrame(bufio.NewReader(bytes.NewReader(again)), nil)
			if err != nil || fr2.Type != fr.Type || fr2.Chan != fr.Chan || len(fr2.Announce) != len(fr.Announce) || !bytes.Equal(fr2.Payload, fr.Payload) {
				t.Fatalf("frame %+v did not survive a round trip: %+v, %v", fr, fr2, err)
			}
		}
	})
}

// TestReadFrameRefuses names what is wrong with each bad frame.
func TestReadFrameRefuses(t *testing.T) {
	for _, c := range []struct {
		frame []byte
		want  string
	}{
		{[]byte{99, 0, 0, 0, 0, 0, 0, 0, 0}, "unknown frame type 99"},
		{[]byte{TData, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f}, "more than"},
		{AppendFrame(nil, TData, 1, nil, nil), "data frame of 0 bytes"},
		{AppendFrame(nil, TClose, 1, nil, []byte("x")), "close frame with 1 bytes"},
		{AppendFrame(nil, TCredit, 1, nil, []byte("xy")), "want 4"},
		{AppendFrame(nil, TMsg, 1, []Announce{{0, KindPacket}}, nil), "announced channel 0"},
		{AppendFrame(nil, TMsg, 1, []Announce{{3, 9}}, nil), "of kind 9"},
		{AppendFrame(nil, TRoot, 0, nil, []byte("x")), "root frame with a message"},
		{[]byte{TData, 1, 0, 0, 0, 10, 0, 0, 0, 'a'}, "stream ended inside a frame"},
	} {
		_, _, err := ReadFrame(bufio.NewReader(bytes.NewReader(c.frame)), nil)
		if !errors.Is(err, ErrProtocol) || !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
			t.Errorf("frame %x: %v, want a protocol error saying %q", c.frame, err, c.want)
		}
	}
}
