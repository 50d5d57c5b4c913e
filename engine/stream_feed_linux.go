package engine

import (
	"errors"
	"strings"
)

// A remote node's output stream is fed by the relay (its Feed): the
// relay's reader hands each frame's bytes to the stream in its own
// goroutine, rather than writing them to a stand-in pipe that the
// stream's reader then reads (a copy and a wake-up per chunk, the most of
// what a remote program's bulk output cost the driver beyond ssh's own
// reader). The stream then has no fd and no reader goroutine; its
// bytes, its end and its flowcontrol come through the feed.

// feedFromRelay makes s, a dormant stream of a stand-in pipe of e's
// relay, a fed stream; false leaves it as it is (a local engine, or a
// pipe that already holds bytes).
func (e *Engine) feedFromRelay(s *stream) bool {
	if e.remote == nil || e.remote.mux == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.f != nil {
		return false
	}
	fed, ok := e.remote.mux.FeedFrom(s.fd, streamFeed{s})
	if !ok {
		return false
	}
	closeInts([]int{s.fd})
	s.fd, s.fed = -1, fed
	return true
}

// streamFeed is a stream as the relay sees it.
type streamFeed struct{ s *stream }

var errStreamClosed = errors.New("stream closed")

// Put is a read of the stream: the flowcontrol counts it, or pauses it.
func (f streamFeed) Put(data []byte) (bool, error) {
	s := f.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return false, errStreamClosed
	}
	if ok, _ := s.gate.take(); !ok {
		return false, nil
	}
	s.feed(data)
	return true, nil
}

// Take is a drain's read: not counted.
func (f streamFeed) Take(data []byte) {
	s := f.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.feed(data)
	}
}

func (f streamFeed) Wait() { f.s.gate.wait() }

// End is the pipe's end, as a read of 0 bytes would give it.
func (f streamFeed) End() {
	s := f.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.eof.Swap(true) && s.onEOF != nil {
		s.onEOF()
	}
	s.endFed()
}

// feed queues data as a read of the pipe would (mu held): a large chunk
// is copied into the stream's fed slab and kept there, so that chunks of
// one slab join without a copy (joinChunks), as reads do; a small one
// becomes a string of its own, so that a few bytes never pin a slab.
func (s *stream) feed(data []byte) {
	if s.passed += len(data); s.passed > defaultPipe {
		s.widened = true
	}
	if len(data) < bigRead {
		s.emit(string(data))
		return
	}
	s.emit(s.fedSlab.hold(data, s.widened))
}

// fedSlab is a fed stream's slab: the sizes of the slabs reads go to,
// but its memory is not cleared first (strings.Builder's Grow), as a
// slab must be to be read into: every byte of it is copied in before it
// is seen. The clearing of a new 4 MiB slab was 40% of the relay's
// reader's CPU in a profile of BenchmarkHostBulk, where the copy into it
// was 10%.
type fedSlab struct{ b strings.Builder }

// hold copies data (less than a small slab) into the slab and returns
// it, as a string that shares the slab; like a read slab's, its last
// byte is never used, so two slabs' chunks are never end to end.
func (f *fedSlab) hold(data []byte, big bool) string {
	if f.b.Cap()-f.b.Len() <= len(data) {
		size := smallSlabSize
		if big {
			size = slabSize
		}
		f.b = strings.Builder{}
		f.b.Grow(size)
	}
	start := f.b.Len()
	f.b.Write(data)
	return f.b.String()[start:]
}

// endFed ends a fed stream, once (mu held).
func (s *stream) endFed() {
	if !s.ended {
		s.ended = true
		s.fedSlab = fedSlab{}
		s.release()
	}
}
