// Command supervisor runs a program in a sandbox (new pid, mount, uts,
// ipc and network namespaces, an unprivileged user, a file limit) and
// starts it again each time it exits, as a service manager does:
//
//	supervisor [-restarts N] [-backoff D] [-uid N] -- PROGRAM ARGS…
//
// Each line the program writes is shown with the run's number. It stops
// after N restarts (-1: never), or at SIGINT or SIGTERM, which end the
// program too.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine"
)

func main() {
	restarts := flag.Int("restarts", -1, "how many times to start it again (-1: always)")
	backoff := flag.Duration("backoff", 100*time.Millisecond, "the pause before a restart")
	uid := flag.Int("uid", 65534, "the uid and gid it runs as")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: supervisor [flags] -- PROGRAM ARGS…")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := supervise(ctx, *restarts, *backoff, *uid, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "supervisor:", err)
		os.Exit(1)
	}
}

func supervise(ctx context.Context, restarts int, backoff time.Duration, uid int, argv []string) error {
	e, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		return err
	}
	defer e.Close()
	for run := 1; ; run++ {
		st, err := runOnce(ctx, e.Root(), run, uid, argv)
		if err != nil {
			return err
		}
		fmt.Printf("run %d: %v\n", run, st)
		if restarts >= 0 && run > restarts {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
	}
}

// runOnce starts the program in a fresh sandbox and waits for its end,
// relaying its output line by line.
func runOnce(ctx context.Context, root *engine.Process, run, uid int, argv []string) (*engine.ExitState, error) {
	c, err := root.Clone(ctx, engine.CloneNewPID|engine.CloneNewNS|engine.CloneNewUTS|engine.CloneNewIPC|engine.CloneNewNet)
	if err != nil {
		return nil, err
	}
	for _, step := range []func() error{
		func() error { return c.Sethostname(ctx, "supervised") },
		func() error { return c.Setrlimit(ctx, unix.RLIMIT_NOFILE, engine.Rlimit{Cur: 64, Max: 64}) },
		func() error { return c.Setgroups(ctx, []int{}) },
		func() error { return c.Setgid(ctx, uid) },
		func() error { return c.Setuid(ctx, uid) },
		func() error { return c.Execvp(ctx, argv[0], argv) },
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	c.Stdin().Close()
	var wg sync.WaitGroup
	for _, r := range []io.Reader{c.Stdout(), c.Stderr()} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			relay(run, r)
		}()
	}
	st, err := c.Wait(ctx)
	if ctx.Err() != nil { // asked to stop: end the program, then report it
		bg := context.WithoutCancel(ctx)
		c.Signal(bg, unix.SIGTERM)
		st, err = c.Wait(bg)
	}
	wg.Wait()
	return st, err
}

var outMu sync.Mutex

func relay(run int, r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		outMu.Lock()
		fmt.Printf("run %d| %s\n", run, sc.Text())
		outMu.Unlock()
	}
}
