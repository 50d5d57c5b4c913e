package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/alsh/alsh/builtins"
)

// A handle's streams sit on the driver's own: a process made through a
// handle has a sink, which takes its output and events (emit) instead of
// the queue of the pipeline API. Back-pressure is the process's flow
// gate: past sinkHigh bytes waiting in the sink, the driver stops reading
// the program's pipes (the program then blocks in write), and starts
// again once the reader brings them under sinkLow.
const (
	sinkHigh = 8 << 20
	sinkLow  = 4 << 20
)

// sink holds what a handle's process sent that nobody took yet.
type sink struct {
	mu      sync.Mutex
	out     [2]chunks // stdout, stderr
	events  []Event
	exit    *ExitState
	changed chan struct{} // closed and replaced at a change that someone waits for
	waiting bool          // someone took changed to wait on (waitCh)
	flow    *flowGate
	paused  bool
	evCh    chan Event    // Events' channel, once asked for
	gone    chan struct{} // closed when the engine's root ended: nothing more comes
}

// chunks is one stream's bytes waiting, in order.
type chunks struct {
	list []string
	n    int  // bytes in list
	eof  bool // no more will come
}

// attachSink routes p's output and events to a sink, with what the queue
// holds already, and returns it. It takes e.mu, then each stream's mu
// apart: a stream's reader holds its mu when it takes e.mu (emit).
func (e *Engine) attachSink(p *proc) *sink {
	e.mu.Lock()
	if p.sink != nil {
		e.mu.Unlock()
		return p.sink
	}
	s := &sink{changed: make(chan struct{}), flow: p.flow, gone: e.rootDone}
	for _, m := range p.queue {
		s.put(m)
	}
	p.queue = nil
	p.sink = s
	e.mu.Unlock()
	for i, st := range []*stream{p.out, p.err} {
		if st != nil {
			s.followEOF(i, st)
		}
	}
	return s
}

// followEOF marks stream i ended when st reaches its end (or has).
func (s *sink) followEOF(i int, st *stream) {
	st.mu.Lock()
	prev := st.onEOF
	st.onEOF = func() {
		if prev != nil {
			prev()
		}
		s.setEOF(i)
	}
	done := st.eof.Load() || st.ended
	st.mu.Unlock()
	if done {
		s.setEOF(i)
	}
}

func (s *sink) notify() {
	if s.waiting {
		close(s.changed)
		s.changed = make(chan struct{})
		s.waiting = false
	}
}

// waitCh is the channel to wait on for the next change (mu held).
func (s *sink) waitCh() chan struct{} {
	s.waiting = true
	return s.changed
}

// put takes one message of the process (emit, e.mu held).
func (s *sink) put(m builtins.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m.Kind {
	case "stdout", "stderr":
		i := 0
		if m.Kind == "stderr" {
			i = 1
		}
		data := m.Data.(string)
		s.out[i].list = append(s.out[i].list, data)
		s.out[i].n += len(data)
		if !s.paused && s.out[0].n+s.out[1].n > sinkHigh && s.flow != nil {
			s.paused = true
			s.flow.set(0)
		}
	case "event":
		rec, _ := m.Data.(builtins.Record)
		ev := newEvent(rec)
		if ev.Exit != nil {
			s.exit = ev.Exit
			s.out[0].eof, s.out[1].eof = true, true // all output comes before the exit
		}
		s.events = append(s.events, ev)
	}
	s.notify()
}

// reopen marks stream i open again: a pty took the place of the pipe
// that ended (usePty, e.mu held).
func (s *sink) reopen(i int) {
	s.mu.Lock()
	s.out[i].eof = false
	s.mu.Unlock()
}

func (s *sink) setEOF(i int) {
	s.mu.Lock()
	s.out[i].eof = true
	s.notify()
	s.mu.Unlock()
}

// take removes up to max bytes of stream i (mu held), and lifts the
// back-pressure once the sink is low.
func (s *sink) take(i, max int) string {
	c := &s.out[i]
	head := c.list[0]
	if len(head) > max {
		c.list[0] = head[max:]
		head = head[:max]
	} else {
		c.list[0] = ""
		c.list = c.list[1:]
	}
	c.n -= len(head)
	if s.paused && s.out[0].n+s.out[1].n < sinkLow {
		s.paused = false
		s.flow.set(-1)
	}
	return head
}

// next waits until stream i has bytes or ended, and takes up to max.
func (s *sink) next(i, max int) (string, error) {
	s.mu.Lock()
	for {
		c := &s.out[i]
		if len(c.list) > 0 {
			data := s.take(i, max)
			s.mu.Unlock()
			return data, nil
		}
		if c.eof {
			s.mu.Unlock()
			return "", io.EOF
		}
		ch := s.waitCh()
		s.mu.Unlock()
		select {
		case <-ch:
		case <-s.gone:
			s.mu.Lock()
			if len(c.list) == 0 && !c.eof {
				s.mu.Unlock()
				return "", errEngineGone
			}
			continue
		}
		s.mu.Lock()
	}
}

// errEngineGone ends a stream or a wait whose engine closed first.
var errEngineGone = fmt.Errorf("%w: the engine closed", builtins.ErrExited)

// outReader is Stdout's or Stderr's reader.
type outReader struct {
	s *sink
	i int
}

// Read reads what the program wrote, in order; io.EOF once it closed the
// stream (or exited) and everything was read.
func (r outReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	data, err := r.s.next(r.i, len(b))
	return copy(b, data), err
}

// WriteTo writes everything the program writes to w, until it closed the
// stream; io.Copy uses it, with no copy of the bytes on the way.
func (r outReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		data, err := r.s.next(r.i, 1<<30)
		if err == io.EOF {
			return total, nil
		}
		n, err := w.Write(unsafe.Slice(unsafe.StringData(data), len(data)))
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
}

// sinkOf is the handle's sink, made on first use (the root's).
func (p *Process) sinkOf() *sink { return p.e.attachSink(p.p) }

// Stdout reads the program's standard output: every byte, in order, then
// io.EOF once the program closed it or exited. The program waits in write
// while the bytes read ahead and not yet taken pass a few MiB, so read it
// (and Stderr) as os/exec's pipes are read, or the program stalls.
func (p *Process) Stdout() io.Reader { return outReader{s: p.sinkOf(), i: 0} }

// Stderr reads the program's standard error, as Stdout reads its output.
func (p *Process) Stderr() io.Reader { return outReader{s: p.sinkOf(), i: 1} }

// Stdin writes to the program's standard input. Write blocks while the
// pipe is full (the program is not reading); Close ends the input, as the
// program sees at its next read. Do not mix it with the stdin call of the
// pipeline API on the same process.
func (p *Process) Stdin() io.WriteCloser { return stdinWriter{q: p.p.stdin} }

type stdinWriter struct{ q *stdinQueue }

// Write writes b to the pipe, waiting while it is full.
func (w stdinWriter) Write(b []byte) (int, error) {
	if w.q == nil {
		return 0, errors.New("stdin: the root node's stdin is the engine's")
	}
	return w.q.writeDirect(b)
}

// Close closes the pipe once what was written is in it.
func (w stdinWriter) Close() error {
	if w.q == nil {
		return nil
	}
	return w.q.eof()
}

// writeDirect writes to the pipe from the caller's goroutine, which Go's
// netpoller parks while the pipe is full: back-pressure, and no copy.
func (q *stdinQueue) writeDirect(b []byte) (int, error) {
	q.mu.Lock()
	switch {
	case q.err != nil:
		q.mu.Unlock()
		return 0, q.err
	case q.closing:
		q.mu.Unlock()
		return 0, errStdinClosed
	case q.started:
		q.mu.Unlock()
		return 0, errors.New("stdin: the stdin call writes to this process already")
	}
	if err := q.open(); err != nil {
		q.err = fmt.Errorf("stdin: %w", err)
		q.mu.Unlock()
		return 0, q.err
	}
	if q.passed += len(b); q.passed > defaultPipe && !q.widened {
		q.widened = true
		q.rc.Control(func(fd uintptr) { widen(int(fd)) })
	}
	f := q.f
	q.mu.Unlock()
	n, err := f.Write(b)
	if errors.Is(err, os.ErrClosed) {
		err = errStdinClosed
	} else if err != nil {
		err = fmt.Errorf("stdin: %w", err)
	}
	return n, err
}

// ExitState is how a program (or node) ended, as Wait reports it.
type ExitState struct {
	code int            // the exit status, or -1
	sig  syscall.Signal // the signal that ended it, or 0
}

// ExitCode is the exit status, or -1 when a signal ended the process.
func (s *ExitState) ExitCode() int { return s.code }

// Exited says whether the process called exit.
func (s *ExitState) Exited() bool { return s.sig == 0 }

// Signaled says whether a signal ended the process.
func (s *ExitState) Signaled() bool { return s.sig != 0 }

// Signal is the signal that ended the process, or 0.
func (s *ExitState) Signal() syscall.Signal { return s.sig }

// Success says whether the process exited with status 0.
func (s *ExitState) Success() bool { return s.sig == 0 && s.code == 0 }

// String says "exit status N" or "signal: killed", as os.ProcessState.
func (s *ExitState) String() string {
	if s.sig != 0 {
		return "signal: " + s.sig.String()
	}
	return fmt.Sprintf("exit status %d", s.code)
}

// Event is something that happened to a process: its exit (Exit set, the
// last event), a signal its node caught (Signal), a ptrace stop
// (Stopped), or a notice the node's options asked for (Record only).
// Record is the event as the language shows it.
type Event struct {
	Exit    *ExitState
	Signal  syscall.Signal
	Stopped syscall.Signal
	Record  builtins.Record
}

func newEvent(rec builtins.Record) Event {
	ev := Event{Record: rec}
	switch {
	case rec["exit_status"] != nil:
		code, _ := rec["exit_status"].(int64)
		ev.Exit = &ExitState{code: int(code)}
	case rec["termsig"] != nil:
		ev.Exit = &ExitState{code: -1, sig: signalOf(rec["termsig"])}
	case rec["signal"] != nil:
		ev.Signal = signalOf(rec["signal"])
	case rec["stopsig"] != nil:
		ev.Stopped = signalOf(rec["stopsig"])
	}
	return ev
}

// signalOf reads a signal as events give it: a name, or a number.
func signalOf(v any) syscall.Signal {
	switch s := v.(type) {
	case int64:
		return syscall.Signal(s)
	case string:
		n, _ := builtins.SignalByName(s)
		return syscall.Signal(n)
	}
	return 0
}

// Wait waits for the process to end and says how it did; its output
// stays readable. The context bounds the wait (there is no CallTimeout:
// programs run as long as they run): when it ends first, Wait returns its
// error and the process runs on.
func (p *Process) Wait(ctx context.Context) (*ExitState, error) {
	s := p.sinkOf()
	p.readParentFor(ctx, s)
	for {
		s.mu.Lock()
		exit, ch := s.exit, s.waitCh()
		s.mu.Unlock()
		if exit != nil {
			return exit, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, &CallError{Call: "wait", Pipeline: p.Pipeline(), Err: ctx.Err()}
		case <-s.gone:
			s.mu.Lock()
			exit := s.exit
			s.mu.Unlock()
			if exit != nil {
				return exit, nil
			}
			return nil, &CallError{Call: "wait", Pipeline: p.Pipeline(), Err: errEngineGone}
		}
	}
}

// readParentFor reads the parent node's socket itself for a while, as the
// event call does: a child's exit comes from there, and a caller reading
// it spares a hand-over through the poller.
func (p *Process) readParentFor(ctx context.Context, s *sink) {
	parent := p.p.parent
	if parent == nil || parent.ctl == nil {
		return
	}
	done := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.exit != nil || ctx.Err() != nil
	}
	deadline := time.Now().Add(ownWait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	parent.ctl.readUntil(deadline, done, waitEvent)
}

// Events delivers the process's events in order, its exit last; the
// channel is closed after the exit (or when the engine closed). It is one channel per process: every
// call returns the same. Events not received wait in the driver (they are
// few: signals, stops and the exit).
func (p *Process) Events() <-chan Event {
	s := p.sinkOf()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.evCh == nil {
		s.evCh = make(chan Event)
		go s.deliverEvents()
	}
	return s.evCh
}

func (s *sink) deliverEvents() {
	defer close(s.evCh)
	for {
		s.mu.Lock()
		for len(s.events) == 0 {
			ch := s.waitCh()
			s.mu.Unlock()
			select {
			case <-ch:
			case <-s.gone:
				s.mu.Lock()
				if len(s.events) == 0 {
					s.mu.Unlock()
					return
				}
				continue
			}
			s.mu.Lock()
		}
		ev := s.events[0]
		s.events = s.events[1:]
		s.mu.Unlock()
		s.evCh <- ev
		if ev.Exit != nil {
			return
		}
	}
}
