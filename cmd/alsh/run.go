package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/alsh/alsh/engine"
	"github.com/alsh/alsh/lang"
)

// version is what --version prints.
const version = "alsh 0.1.0-dev"

const usage = `usage: alsh [--host DEST] [--remote-binary PATH] [--exec "WRAPPER ARGS"] [FILE.alsh | -c TEXT] [ARGS…]
       alsh check FILE… | alsh fmt [-w] FILE…

  alsh FILE.alsh [args…]   run a script; its arguments are $args
  alsh -c 'TEXT' [args…]   run TEXT, showing each expression's value
  alsh check FILE…         check scripts without running anything
  alsh fmt [-w] FILE…      print scripts laid out canonically (-w: rewrite them)
  alsh < FILE              run the statements stdin holds
  alsh                     the interactive REPL (stdin a terminal)
  alsh learn [N]           the lessons: list them, or start lesson N
  alsh box [OPTIONS] -- PROGRAM ARGS…
                           run PROGRAM in a sandbox given by bubblewrap's options

options:
  --exec "sudo -n"   start the root node through a wrapper
  --host DEST        run the root node on DEST through ssh (docs/remote.md;
                     ALSH_SSH_COMMAND replaces ssh)
  --remote-binary PATH
                     send PATH, an alsh built for the hosts' architecture,
                     to --host and to the hosts a script names, instead of
                     this alsh
  --help             show this help
  --version          show the version
`

// config is the parsed command line.
type config struct {
	exec    []string
	host    string
	binary  string  // --remote-binary
	text    *string // -c
	file    string
	args    []string
	help    bool
	version bool
	early   *earlyStart    // the engine, started while the program parses
	sigs    chan os.Signal // SIGINT, SIGTERM and SIGHUP, once caught (catchSignals)
}

func parseArgs(args []string) (*config, error) {
	fs := flag.NewFlagSet("alsh", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := &config{}
	text := fs.String("c", "", "run TEXT")
	execWrapper := fs.String("exec", "", "start the root node through a wrapper")
	fs.StringVar(&c.host, "host", "", "run the root node on DEST through ssh")
	fs.StringVar(&c.binary, "remote-binary", "", "the alsh binary to send to remote hosts")
	fs.BoolVar(&c.help, "help", false, "show help")
	fs.BoolVar(&c.version, "version", false, "show the version")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	c.exec = strings.Fields(*execWrapper)
	c.args = fs.Args()
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "c" {
			c.text = text
		}
	})
	if c.text == nil && len(c.args) > 0 {
		c.file, c.args = c.args[0], c.args[1:]
	}
	return c, nil
}

// Run is alsh's main: it returns the exit status instead of exiting.
func Run(stdio [3]*os.File, args []string) int {
	if len(args) > 0 && args[0] == "box" {
		return runBox(stdio, args[1:])
	}
	stdout, stderr := stdio[1], stdio[2]
	c, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "alsh: %v\n%s", err, usage)
		return 2
	}
	switch {
	case c.help:
		fmt.Fprint(stdout, usage)
		return 0
	case c.version:
		fmt.Fprintln(stdout, version)
		return 0
	case c.text == nil && c.file == "check":
		return checkFiles(c.args, stderr)
	case c.text == nil && c.file == "fmt":
		return formatFiles(c.args, stdout, stderr)
	}
	if c.file == "learn" { // a script named learn runs as ./learn
		return c.learn(stdio)
	}
	return c.run(stdio)
}

func (c *config) run(stdio [3]*os.File) int {
	name, src, interactive, err := c.source(stdio[0])
	if err != nil {
		fmt.Fprintf(stdio[2], "alsh: %v\n", err)
		return 2
	}
	var prog *lang.Program
	if !interactive {
		c.early = c.startEarly()
		if prog, err = lang.Parse(name, src); err != nil {
			fmt.Fprintln(stdio[2], err)
			c.early.discard()
			return 2
		}
		if !checked(prog, c.args, stdio[2]) {
			c.early.discard()
			return 2
		}
	}
	return c.withEngine(stdio, func(ctx context.Context, eng *engine.Engine) int {
		if interactive {
			return startREPL(ctx, stdio, eng, c.args)
		}
		return c.runProgram(ctx, stdio, eng, prog)
	})
}

// source finds the program: -c, a file, or stdin; or the REPL when stdin
// is a terminal and nothing else is given.
func (c *config) source(stdin *os.File) (name, src string, interactive bool, err error) {
	switch {
	case c.text != nil:
		return "-c", *c.text, false, nil
	case c.file != "":
		data, err := os.ReadFile(c.file)
		if err != nil {
			return "", "", false, fmt.Errorf("reading script: %w", err)
		}
		return c.file, string(data), false, nil
	case isTerminal(stdin):
		return "", "", true, nil
	}
	data, err := io.ReadAll(stdin)
	if err != nil {
		return "", "", false, fmt.Errorf("reading stdin: %w", err)
	}
	return "stdin", string(data), false, nil
}

func (c *config) runProgram(ctx context.Context, stdio [3]*os.File, eng *engine.Engine, prog *lang.Program) int {
	dir := ""
	if c.file != "" {
		dir = filepath.Dir(c.file)
	}
	in := lang.New(eng, lang.Options{Stdout: stdio[1], Stderr: stdio[2], Args: c.args, Dir: dir, ShowValues: c.text != nil})
	return status(in.Run(ctx, prog), stdio[2])
}

// status maps how a program ended to an exit status, reporting errors. A
// syntax error (in a sourced file) is 2, as for the script itself.
func status(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if exit, ok := errors.AsType[lang.ExitStatus](err); ok {
		return int(exit)
	}
	fmt.Fprintln(stderr, err)
	if _, ok := errors.AsType[*lang.ParseError](err); ok {
		return 2
	}
	return 1
}

// withEngine starts the engine, runs f, and closes the engine whatever
// happens. SIGINT, SIGTERM and SIGHUP cancel f and end alsh with 128+N.
// The signals stay caught (and ignored) after it returns: Run's caller
// exits, and signal.Stop would wait for the runtime's signal loop to go
// idle (0.04 to 0.12 ms at the end of alsh box).
func (c *config) withEngine(stdio [3]*os.File, f func(context.Context, *engine.Engine) int) int {
	if c.sigs == nil {
		c.catchSignals(false)
	}
	sigs := c.sigs
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng, err := c.early.wait()
	if c.early == nil {
		eng, err = engine.Start(ctx, c.engineOptions())
	}
	if err != nil {
		fmt.Fprintf(stdio[2], "alsh: %v\n", err)
		return 1
	}
	defer eng.Close()
	done := make(chan int, 1)
	go func() { done <- f(ctx, eng) }()
	select {
	case code := <-done:
		return code
	case sig := <-sigs:
		cancel()
		eng.Close()
		waitBriefly(done)
		return 128 + int(sig.(syscall.Signal))
	}
}

// catchSignals starts catching SIGINT, SIGTERM and SIGHUP for
// withEngine. signal.Notify's first call waits for the runtime's
// goroutine that keeps the signal mask on a thread of its own (0.1-0.8
// ms while the engine starts on the other CPU): with soon, it is made on
// a goroutine of its own, so that alsh box plans meanwhile (a signal
// that comes before it takes its default action, as one before
// withEngine's did).
func (c *config) catchSignals(soon bool) {
	c.sigs = make(chan os.Signal, 1)
	catch := func() { signal.Notify(c.sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP) }
	if soon {
		go catch()
		return
	}
	catch()
}

// engineOptions are the engine's options from the command line.
func (c *config) engineOptions() engine.Options {
	return engine.Options{Exec: c.exec, Host: c.host, RemoteBinary: c.binary}
}

// earlyStart is an engine starting in the background.
type earlyStart struct {
	done chan struct{}
	eng  *engine.Engine
	err  error
}

// startEarly starts the engine while the program parses: parsing builds
// the parser (1.5–2 ms) and the root node boots meanwhile on another CPU.
// Only a local root without a wrapper starts early: a wrapper (sudo) or a
// host should not be asked for a program that does not parse.
func (c *config) startEarly() *earlyStart {
	if len(c.exec) > 0 || c.host != "" {
		return nil
	}
	s := &earlyStart{done: make(chan struct{})}
	go func() {
		s.eng, s.err = engine.Start(context.Background(), c.engineOptions())
		close(s.done)
	}()
	return s
}

// wait returns the engine started early (nil, nil if none was).
func (s *earlyStart) wait() (*engine.Engine, error) {
	if s == nil {
		return nil, nil
	}
	<-s.done
	return s.eng, s.err
}

// discard closes an engine started early for a program that did not
// parse or check.
func (s *earlyStart) discard() {
	if eng, _ := s.wait(); eng != nil {
		eng.Close()
	}
}

// waitBriefly gives the interrupted program a moment to return, so that
// it does not write after Run returns.
func waitBriefly(done <-chan int) {
	select {
	case <-done:
	case <-time.After(time.Second):
	}
}
