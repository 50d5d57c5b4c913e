package engine

import (
	"sync"
	"unsafe"
)

// slab is where a stream reads. A large read's bytes become the string the
// queue keeps with no copy: they are never written again, and the next
// read goes after them. A small read is copied out, so a few bytes never
// pin a slab, and its room is read into again. A slab nothing was taken
// from goes back to the pool when the pipe runs dry, so an idle stream
// holds none unless it handed out large reads (then at most the slab's
// free tail, until its next read or its end).
type slab struct {
	buf   []byte
	taken bool // some of buf's front now backs strings
}

const (
	slabSize = 4 << 20
	// smallSlabSize: a stream's slabs until its pipe is widened, when no
	// read can pass the default pipe. A 4 MiB slab at the first read made
	// every run that printed a line collect once (the heap's first goal
	// is 4 MB).
	smallSlabSize = 4 * defaultPipe
	bigRead       = 64 << 10 // from this size on, a read is kept without a copy
)

var (
	slabs      = sync.Pool{New: func() any { b := make([]byte, slabSize); return &b }}
	smallSlabs = sync.Pool{New: func() any { b := make([]byte, smallSlabSize); return &b }}
)

// free is where the next read goes: up to want bytes (a whole pipe). A
// slab's last byte is never read into, so that chunks of two slabs are
// never end to end (joinChunks relies on it).
func (s *slab) free(want int) []byte {
	if len(s.buf) <= want {
		s.idle() // a small slab, too small once the pipe is widened, goes back
		s.buf, s.taken = *slabPool(want).Get().(*[]byte), false
	}
	return s.buf[:want]
}

// slabPool is the pool of slabs that hold reads of want bytes.
func slabPool(want int) *sync.Pool {
	if want < smallSlabSize {
		return &smallSlabs
	}
	return &slabs
}

// keep turns the n bytes just read into the string to queue.
func (s *slab) keep(n int) string {
	if n < bigRead {
		return string(s.buf[:n])
	}
	str := unsafe.String(&s.buf[0], n)
	s.buf, s.taken = s.buf[n:], true
	return str
}

// idle lets go of the slab when the pipe is dry, back to the pool if no
// string holds a part of it.
func (s *slab) idle() {
	if s.buf != nil && !s.taken {
		b := s.buf
		if cap(b) == smallSlabSize {
			smallSlabs.Put(&b)
		} else {
			slabs.Put(&b)
		}
		s.buf = nil
	}
}
