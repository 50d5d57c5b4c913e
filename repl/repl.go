package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/chzyer/readline"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang"
)

// Host is how the REPL reaches processes: the calls and process list the
// language needs, plus Watch, which hands every stdout, stderr and event
// message to fn as it arrives (nil returns to queueing). *engine.Engine
// satisfies it. If the Host is also an io.Closer, Run closes it on exit,
// which ends every process.
type Host interface {
	lang.Host
	Watch(fn func(builtins.Message))
}

// Config configures Run. Host and the three terminal streams are
// required; the rest may be zero.
type Config struct {
	Host   Host
	Stdin  io.ReadCloser // the terminal; readline puts it in raw mode while a line is typed
	Stdout io.Writer
	Stderr io.Writer
	// Args are the values of $args, as a script's arguments are.
	Args []string
	// HistoryFile is where entries are kept across runs; empty means
	// $XDG_STATE_HOME/alsh/history (default ~/.local/state/alsh/history),
	// and "-" keeps no history file.
	HistoryFile string
	// Getenv reads the environment for the history default; nil means
	// os.Getenv.
	Getenv func(string) string
	// Interrupt delivers Ctrl-C while an entry runs (the terminal is in
	// cooked mode then, so the kernel turns it into SIGINT); nil means
	// signal.Notify for os.Interrupt. Each receive cancels the entry.
	Interrupt <-chan os.Signal
	// Start is a REPL command run before the first prompt, such as
	// "learn 1" (alsh learn 1).
	Start string
	// Terminal forces the interactive mode even when Stdin is not a
	// terminal (tests); nil means readline's own check.
	Terminal func() bool
	// Vars are global variables set before the first prompt, and Prelude
	// is alsh source run then (such as "use sandbox").
	Vars    map[string]any
	Prelude string
	// Escape is the key that ends an attach (0: DefaultEscape, Ctrl-]).
	Escape byte
}

// Run runs the REPL until Ctrl-D on an empty line or an exit statement,
// and returns the exit status. On the way out it says how many processes
// it ends.
func Run(ctx context.Context, cfg Config) int {
	r, err := newREPL(cfg)
	if err != nil {
		fmt.Fprintf(cfg.Stderr, "alsh: %v\n", err)
		return 1
	}
	defer r.close()
	return r.loop(ctx)
}

// repl is one running session.
type repl struct {
	cfg     Config
	rl      *readline.Instance
	pr      *printer
	host    *trackingHost
	interp  *lang.Interp
	hist    *history
	intr    <-chan os.Signal
	stopSig func()
	stdin   io.ReadCloser // lets close end a read of the terminal
	tour    *tour
	muted   bool // the interpreter's output is dropped (a lesson's setup)
	escape  byte // the key that ends an attach
	// entryErr is how the last entry run ended, for the lesson's check.
	entryErr error
}

func newREPL(cfg Config) (*repl, error) {
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	r := &repl{cfg: cfg, escape: cfg.Escape}
	if r.escape == 0 {
		r.escape = DefaultEscape
	}
	if err := r.openReadline(); err != nil {
		return nil, err
	}
	r.pr = newPrinter(r.rl, cfg.Stdout, cfg.Stderr)
	r.host = newTrackingHost(cfg.Host, r.pr)
	r.interp = lang.New(r.host, lang.Options{Stdout: mutable{r.pr.writer(false), &r.muted},
		Stderr: r.pr.writer(true), Args: cfg.Args, Interactive: true})
	for name, v := range cfg.Vars {
		r.interp.SetVar(name, v)
	}
	if err := r.prelude(cfg.Prelude); err != nil {
		r.rl.Close()
		return nil, err
	}
	r.hist = r.openHistory()
	r.intr, r.stopSig = interrupts(cfg.Interrupt)
	r.host.setAsync(true)
	r.openTour()
	return r, nil
}

// interrupts returns the channel Ctrl-C arrives on while an entry runs.
func interrupts(given <-chan os.Signal) (<-chan os.Signal, func()) {
	if given != nil {
		return given, func() {}
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	return ch, func() { signal.Stop(ch) }
}

func (r *repl) openReadline() error {
	r.stdin = readline.NewCancelableStdin(r.cfg.Stdin)
	rcfg := &readline.Config{
		Prompt:                 "alsh> ",
		Stdin:                  r.stdin,
		Stdout:                 r.cfg.Stdout,
		Stderr:                 r.cfg.Stderr,
		HistoryLimit:           historyLimit,
		DisableAutoSaveHistory: true,
		AutoComplete:           &completer{r: r},
	}
	if r.cfg.Terminal != nil {
		rcfg.FuncIsTerminal = r.cfg.Terminal
	}
	rl, err := readline.NewEx(rcfg)
	if err != nil {
		return fmt.Errorf("starting the line editor: %w", err)
	}
	r.rl = rl
	return nil
}

// close releases the terminal. The loop only returns through leave,
// which has already stopped the Host's deliveries.
func (r *repl) close() {
	r.stopSig()
	r.pr.close()
	r.stdin.Close()
	closeEditor(r.rl)
}

// closeEditor closes readline, waiting a bounded time: readline v1.5.1
// can hang in Close when keys were typed after Ctrl-D (its reader blocks
// handing them on). The terminal mode is already restored by then, as
// Readline restores it on return.
func closeEditor(rl *readline.Instance) {
	done := make(chan struct{})
	go func() {
		rl.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
}

// loop reads and runs entries until the user leaves.
func (r *repl) loop(ctx context.Context) int {
	r.runStart(ctx)
	for {
		src, prog, err := r.readEntry()
		switch {
		case errors.Is(err, io.EOF):
			return r.leave(0)
		case errors.Is(err, errDiscarded):
			continue
		case r.replCommand(ctx, src):
			r.record(src)
			continue
		case err != nil:
			r.record(src)
			r.showParseError(src, err)
			continue
		case prog == nil:
			continue
		}
		r.record(src)
		if problems := r.interp.Check(prog); len(problems) > 0 {
			r.showProblems(src, problems)
			continue
		}
		calls := r.host.calls
		if status, done := r.runEntry(ctx, src, prog); done {
			return r.leave(status)
		}
		r.afterEntry(ctx, calls)
	}
}

// leave says how many processes end with the REPL, and ends them.
func (r *repl) leave(status int) int {
	r.stopLesson(context.Background(), false)
	if n := len(r.cfg.Host.Processes()) - 1; n > 0 {
		r.pr.errorf("alsh: ending %d %s\n", n, plural(n, "process", "processes"))
	}
	r.host.setAsync(false)
	if c, ok := r.cfg.Host.(io.Closer); ok {
		c.Close()
	}
	return status
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// record adds an entry to the history.
func (r *repl) record(src string) {
	src = strings.TrimSpace(src)
	if src == "" {
		return
	}
	r.rl.SaveHistory(encodeEntry(src))
	r.hist.add(src)
}

// prelude runs the Config's prelude before the first prompt.
func (r *repl) prelude(src string) error {
	if src == "" {
		return nil
	}
	prog, err := lang.Parse("prelude", src)
	if err != nil {
		return err
	}
	return r.interp.Run(context.Background(), prog)
}
