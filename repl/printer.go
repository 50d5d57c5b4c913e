package repl

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chzyer/readline"

	"github.com/alsh/alsh/builtins"
)

// partialDelay is how long a line of output without its newline waits
// for the rest before it is printed as it is.
const partialDelay = 100 * time.Millisecond

// printer owns the terminal's output: every write of the REPL, the
// interpreter and the processes goes through its one goroutine. While a
// line is being edited it writes through readline, which erases the
// prompt and the typed text, prints, and draws them again below.
type printer struct {
	rl      *readline.Instance
	out     io.Writer
	errw    io.Writer
	reqs    chan request
	notify  chan struct{}
	stopped chan struct{}

	mu   sync.Mutex
	msgs []builtins.Message // asynchronous messages not yet printed

	// owned by the printer goroutine
	editing bool
	partial map[string]*partialLine
	flushC  <-chan time.Time
}

// request is a write, or a change of editing state, and its answer.
type request struct {
	data    []byte
	stderr  bool
	editing *bool
	stop    bool
	done    chan struct{}
}

// partialLine is the start of a line of output whose newline has not come.
type partialLine struct {
	host     string // the remote host it comes from, or ""
	pipeline []int
	kind     string
	text     string
}

func newPrinter(rl *readline.Instance, out, errw io.Writer) *printer {
	p := &printer{rl: rl, out: out, errw: errw, reqs: make(chan request),
		notify: make(chan struct{}, 1), stopped: make(chan struct{}),
		partial: map[string]*partialLine{}}
	go p.run()
	return p
}

// do hands a request to the printer goroutine and waits until it is done.
func (p *printer) do(q request) {
	q.done = make(chan struct{})
	select {
	case p.reqs <- q:
		<-q.done
	case <-p.stopped:
	}
}

// setEditing tells the printer whether a line is being edited.
func (p *printer) setEditing(on bool) { p.do(request{editing: &on}) }

// close prints what is pending and stops the printer goroutine.
func (p *printer) close() { p.do(request{stop: true}) }

// errorf prints a message of the REPL's own on its error stream.
func (p *printer) errorf(format string, args ...any) {
	p.do(request{data: fmt.Appendf(nil, format, args...), stderr: true})
}

// printf prints on the output stream.
func (p *printer) printf(format string, args ...any) {
	p.do(request{data: fmt.Appendf(nil, format, args...)})
}

// writer is an io.Writer for the interpreter's output.
func (p *printer) writer(stderr bool) io.Writer { return printerWriter{p, stderr} }

type printerWriter struct {
	p      *printer
	stderr bool
}

func (w printerWriter) Write(b []byte) (int, error) {
	w.p.do(request{data: append([]byte(nil), b...), stderr: w.stderr})
	return len(b), nil
}

// push queues an asynchronous message. It never blocks: the engine calls
// it with its lock held.
func (p *printer) push(m builtins.Message) {
	p.mu.Lock()
	p.msgs = append(p.msgs, m)
	p.mu.Unlock()
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

func (p *printer) run() {
	defer close(p.stopped)
	for {
		select {
		case q := <-p.reqs:
			if p.serve(q) {
				return
			}
		case <-p.notify:
			p.printMessages()
		case <-p.flushC:
			p.flushC = nil
			p.flushPartial()
		}
	}
}

// serve carries out one request and says whether the printer stops.
func (p *printer) serve(q request) bool {
	defer close(q.done)
	switch {
	case q.stop:
		p.printMessages()
		p.flushPartial()
		return true
	case q.editing != nil:
		p.printMessages()
		p.editing = *q.editing
	default:
		p.write(q.data, q.stderr)
	}
	return false
}

// write puts bytes on the terminal, around the line being edited if any.
func (p *printer) write(b []byte, stderr bool) {
	if len(b) == 0 {
		return
	}
	if !p.editing {
		p.target(stderr).Write(b)
		return
	}
	p.waitReading()
	if stderr {
		p.rl.Stderr().Write(b)
	} else {
		p.rl.Stdout().Write(b)
	}
}

func (p *printer) target(stderr bool) io.Writer {
	if stderr {
		return p.errw
	}
	return p.out
}

// waitReading waits briefly for readline to start reading keys after the
// prompt is drawn: before that, its writer would not redraw the line.
func (p *printer) waitReading() {
	for i := 0; i < 50 && !p.rl.Terminal.IsReading(); i++ {
		time.Sleep(2 * time.Millisecond)
	}
}

// printMessages prints the asynchronous messages that arrived.
func (p *printer) printMessages() {
	p.mu.Lock()
	msgs := p.msgs
	p.msgs = nil
	p.mu.Unlock()
	var b strings.Builder
	for _, m := range msgs {
		p.format(&b, m)
	}
	p.write([]byte(b.String()), false)
	if len(p.partial) > 0 && p.flushC == nil {
		p.flushC = time.After(partialDelay)
	}
}

// format renders one message as whole lines tagged with its pipeline,
// keeping an unfinished last line for later.
func (p *printer) format(b *strings.Builder, m builtins.Message) {
	if m.Kind == "event" {
		p.takePartial(b, m.Pipeline)
		fmt.Fprintf(b, "%s%s event: %s\n", hostPrefix(m.Host), pipelineString(m.Pipeline), builtins.Format(m.Data))
		return
	}
	key := pipelineString(m.Pipeline) + " " + m.Kind
	text, _ := m.Data.(string)
	if pl := p.partial[key]; pl != nil {
		text = pl.text + text
		delete(p.partial, key)
	}
	lines := strings.SplitAfter(text, "\n")
	for _, line := range lines {
		if !strings.HasSuffix(line, "\n") {
			if line != "" {
				p.partial[key] = &partialLine{m.Host, m.Pipeline, m.Kind, line}
			}
			continue
		}
		writeLine(b, m.Host, m.Pipeline, m.Kind, line)
	}
}

// takePartial prints the unfinished lines of one pipeline (all if nil).
func (p *printer) takePartial(b *strings.Builder, pipeline []int) {
	for key, pl := range p.partial {
		if pipeline == nil || slices.Equal(pl.pipeline, pipeline) {
			writeLine(b, pl.host, pl.pipeline, pl.kind, pl.text)
			delete(p.partial, key)
		}
	}
}

// flushPartial prints every unfinished line as it is: its rest is late,
// or the printer stops.
func (p *printer) flushPartial() {
	var b strings.Builder
	p.takePartial(&b, nil)
	p.write([]byte(b.String()), false)
}

// writeLine writes one line of output: [pid…] stdout: text, after the
// name of the remote host it comes from (box1 [-1 pid…] stdout: text).
// A line that holds control characters is shown quoted, so it cannot
// move the cursor.
func writeLine(b *strings.Builder, host string, pipeline []int, kind, line string) {
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	if hasControl(line) {
		line = builtins.Quote(line)
	}
	fmt.Fprintf(b, "%s%s %s: %s\n", hostPrefix(host), pipelineString(pipeline), kind, line)
}

// hostPrefix is what goes before a remote host's output and events: its
// name (its root is [-id …] in the pipeline).
func hostPrefix(host string) string {
	if host == "" {
		return ""
	}
	return host + " "
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < ' ' && r != '\t' || r == 0x7f {
			return true
		}
	}
	return false
}

// pipelineString renders a pipeline as the language writes it: [12 34].
func pipelineString(pl []int) string {
	list := make([]any, len(pl))
	for i, pid := range pl {
		list[i] = pid
	}
	return builtins.Format(list)
}
