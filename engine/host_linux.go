package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// driverCall answers the calls the driver handles itself: a process's
// stdio and its queue of events.
func (e *Engine) driverCall(ctx context.Context, pl []int, c *builtins.Call, args []any) (any, error) {
	e.mu.Lock()
	p, err := e.resolveAny(pl)
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	switch c.Name {
	case "stdin":
		return nil, p.stdin.write(ctx, e.deadline(ctx), bytesOf(args[0].(string)))
	case "stdout", "stderr":
		if err := e.streamOpen(p, c.Name); err != nil {
			return nil, err
		}
		return e.takeOutput(ctx, p, c.Name, timeoutArg(args))
	case "event":
		return e.takeEvent(ctx, p, timeoutArg(args))
	case "eof":
		return nil, e.eof(p, args)
	case "cpid":
		return e.cpid(p), nil
	case "getcpid":
		return e.getcpid(p, args)
	case "setcpid":
		return e.setcpid(ctx, p, c, args)
	case "fd_pass":
		return e.fdPass(ctx, p.pipeline, args)
	case "pty_resize":
		return nil, e.resizePty(p, args)
	}
	return nil, fmt.Errorf("%s: %w on the driver", c.Name, builtins.ErrUnsupported)
}

func timeoutArg(args []any) time.Duration {
	if len(args) == 0 {
		return 0
	}
	return time.Duration(args[0].(int64)) * time.Millisecond
}

// takeOutput returns all queued bytes of one stream, waiting up to timeout
// for the first.
func (e *Engine) takeOutput(ctx context.Context, p *proc, kind string, timeout time.Duration) (any, error) {
	var chunks []string
	err := e.waitFor(ctx, p, timeout, func() bool {
		kept := p.queue[:0]
		for _, m := range p.queue {
			if m.Kind == kind {
				chunks = append(chunks, m.Data.(string))
			} else {
				kept = append(kept, m)
			}
		}
		clear(p.queue[len(kept):])
		p.queue = kept
		return len(chunks) > 0
	})
	return joinChunks(chunks), err
}

// joinChunks concatenates with one allocation, or none for one chunk or
// for chunks that lie end to end in one of a stream's slabs (adjacent
// chunks of 64 KiB or more: 94 % of the pairs a stdout call took in the
// stream benchmark, where the copy had been 40 % of the bytes).
func joinChunks(chunks []string) string {
	switch len(chunks) {
	case 0:
		return ""
	case 1:
		return chunks[0]
	}
	if s, ok := endToEnd(chunks); ok {
		return s
	}
	return strings.Join(chunks, "")
}

// endToEnd is the chunks as one string with no copy, when each is a
// slab's (bigRead or more: smaller reads are copied out) and begins where
// the one before ends. Then they are in the same slab: a slab's last byte
// is never read into (slab.free), so no chunk ends where another slab
// could begin, and the one string keeps the whole slab alive.
func endToEnd(chunks []string) (string, bool) {
	n := 0
	for i, c := range chunks {
		if len(c) < bigRead {
			return "", false
		}
		if i > 0 {
			prev := chunks[i-1]
			if unsafe.StringData(c) != (*byte)(unsafe.Add(unsafe.Pointer(unsafe.StringData(prev)), len(prev))) {
				return "", false
			}
		}
		n += len(c)
	}
	return unsafe.String(unsafe.StringData(chunks[0]), n), true
}

// takeEvent returns the next queued event, or nil when none came in time.
// A child's exit comes from its parent node: the caller first reads the
// parent's socket itself for a while (ctlConn.readUntil), as a caller
// waiting for a reply does, which spares a hand-over through the poller
// (about 15 µs of the 55 from reaping to the event here).
func (e *Engine) takeEvent(ctx context.Context, p *proc, timeout time.Duration) (any, error) {
	if parent := p.parent; parent != nil && parent.ctl != nil && !parent.ctl.parked && timeout > 0 {
		parent.ctl.readUntilOf(time.Now().Add(min(timeout, ownWait)), func() bool { return e.hasEvent(p) || ctx.Err() != nil }, waitEvent, p)
	}
	var ev any
	err := e.waitFor(ctx, p, timeout, func() bool {
		i := eventIndex(p)
		if i >= 0 {
			ev = p.queue[i].Data
			p.queue = append(p.queue[:i:i], p.queue[i+1:]...)
		}
		return i >= 0
	})
	return ev, err
}

func (e *Engine) hasEvent(p *proc) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return eventIndex(p) >= 0
}

// eventIndex is where p's first queued event is, or -1 (mu held).
func eventIndex(p *proc) int {
	return slices.IndexFunc(p.queue, func(m builtins.Message) bool { return m.Kind == "event" })
}

// waitFor runs take (with mu held) until it succeeds, the timeout passes
// or ctx ends. Running out of time is not an error: the result is empty.
func (e *Engine) waitFor(ctx context.Context, p *proc, timeout time.Duration, take func() bool) error {
	w := farWait{end: time.Now().Add(timeout)} // no timer of its own while the end is far
	defer w.stop()
	for {
		e.mu.Lock()
		done := take()
		changed := p.changed
		e.mu.Unlock()
		if done {
			return nil
		}
		tick, timer := w.next()
		select {
		case <-changed:
			w.left(tick)
		case <-tick:
			w.left(tick)
		case <-timer:
			return nil
		case <-ctx.Done():
			w.left(tick)
			return ctx.Err()
		}
	}
}

// eof closes the driver's end of a stream: stdin once its queue is written;
// stdout or stderr at once (later output is discarded by the kernel).
func (e *Engine) eof(p *proc, args []any) error {
	stream := int64(0)
	if len(args) > 0 {
		stream = args[0].(int64)
	}
	if stream < 0 || stream > 2 {
		return fmt.Errorf("eof: no stream %d (want stdin, stdout or stderr)", stream)
	}
	name := streamNames[stream]
	if err := e.streamOpen(p, name); err != nil {
		return err
	}
	e.mu.Lock()
	p.eofDone[stream] = true
	e.mu.Unlock()
	switch stream {
	case 0:
		return p.stdin.eof()
	case 1:
		p.out.close()
	case 2:
		p.err.close()
	}
	return nil
}

var streamNames = [3]string{"stdin", "stdout", "stderr"}

// streamOpen fails with ebadf once eof closed the driver's end of the
// stream, as a read or write of a closed fd does (alcove answers the same).
func (e *Engine) streamOpen(p *proc, name string) error {
	i := slices.Index(streamNames[:], name)
	e.mu.Lock()
	closed := p.eofDone[i]
	e.mu.Unlock()
	if closed {
		return fmt.Errorf("%s of %s was closed by eof: %w", name, p, unix.EBADF)
	}
	return nil
}

// bytesOf views a string's bytes without copying them; the stdin queue
// only ever reads them.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
