package relay

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Feed takes a node's output in place of its stand-in pipe: the stream's
// reader decodes a frame and hands its bytes to the engine's stream in
// the same goroutine, where they would otherwise be written to the pipe
// and read from it again by the stream's own reader (a copy, and a
// wake-up of that reader, per chunk). Credit goes back as the feed takes
// the bytes, as it does when a pipe takes them, so a stream that is
// paused holds its node to its window and no other node waits for it.
type Feed interface {
	// Put takes data (not kept past the call), or refuses it (false)
	// while the stream's reader is paused; an error is the stream's end
	// (the channel hangs up, as a pipe whose reader closed it).
	Put(data []byte) (bool, error)
	// Take takes data whether paused or not (a drain at the node's exit).
	Take(data []byte)
	// Wait returns once Put may take data again.
	Wait()
	// End is the channel's end: nothing follows.
	End()
}

// Fed is a channel that feeds a Feed.
type Fed struct{ c *channel }

// FeedFrom hands channel output that reaches the engine's end fd of a
// stand-in pipe to f instead: fd is then of no more use (its pipe is
// closed at this end). It refuses (false) if fd is no stand-in of an
// output channel, or if the pipe holds bytes or the channel has any
// queued: those would come out of order.
func (m *Mux) FeedFrom(fd int, f Feed) (*Fed, bool) {
	id, ok := fileOf(fd)
	if m.hub || !ok {
		return nil, false
	}
	m.mu.Lock()
	c := m.pipes[id]
	delete(m.pipes, id)
	m.mu.Unlock()
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.closing || c.writing || len(c.queue) > 0 || !pipeEmpty(c) {
		return nil, false
	}
	c.feed = f
	c.f.Close() // only Put writes now
	return &Fed{c}, true
}

// fileID names an open file: the two ends of a pipe have the same.
type fileID struct{ dev, ino uint64 }

func fileOf(fd int) (fileID, bool) {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return fileID{}, false
	}
	return fileID{uint64(st.Dev), st.Ino}, true
}

// pipeEmpty: the stand-in pipe holds no bytes (c.mu held: nothing else
// writes to it).
func pipeEmpty(c *channel) bool {
	n := -1
	c.rc.Control(func(fd uintptr) { n, _ = rawInq(int(fd)) })
	return n == 0
}

// Drain hands the feed what the channel has queued (the feed was paused),
// paused or not: a node's output comes before its exit event.
func (d *Fed) Drain() {
	c := d.c
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, p := range c.queue {
		c.feed.Take(p.data)
		n += len(p.data)
	}
	c.queue, c.queued = nil, 0
	if n > 0 {
		c.written(n, false)
	}
}

// errFeedRefused is a feed that refused bytes (paused): they are queued.
var errFeedRefused = errors.New("feed paused")

// putFeed offers data to the feed (c.mu held).
func (c *channel) putFeed(data []byte) (int, error) {
	ok, err := c.feed.Put(data)
	switch {
	case err != nil:
		return 0, err
	case !ok:
		return 0, errFeedRefused
	}
	return len(data), nil
}

// feedLoop offers what deliver queued while the feed was paused, waiting
// for it to take more; its Puts are under c.mu, as deliver's and Drain's,
// so that they keep their order.
func (c *channel) feedLoop() {
	for {
		c.mu.Lock()
		if c.doneWriting() {
			return
		}
		data := c.queue[0].data
		n, err := c.putFeed(data)
		if n > 0 {
			c.queue = c.queue[1:]
			c.queued -= n
			c.written(n, false)
		}
		c.mu.Unlock()
		switch {
		case errors.Is(err, errFeedRefused):
			c.feed.Wait()
		case err != nil:
			c.hangUp()
			return
		}
	}
}
