// Command sandbox runs a command in a chroot jail, with resource limits
// and a user id of its own, after alcove's chroot example (and alsh's
// scripts/chroot.alsh):
//
//	sandbox -jail DIR [-fsize N] [-nofile N] [-nproc N] [-id N] -- PROGRAM ARGS…
//
// PROGRAM is looked up in the jail. Its output is ours, its input ours,
// and sandbox exits with its status (128+N when signal N ended it).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine"
)

func main() {
	jail := flag.String("jail", "", "the directory to chroot into (required)")
	fsize := flag.Uint64("fsize", 0, "RLIMIT_FSIZE: the largest file it may write")
	nofile := flag.Uint64("nofile", 0, "RLIMIT_NOFILE: how many files it may hold open")
	nproc := flag.Uint64("nproc", 1, "RLIMIT_NPROC: how many processes its user may have")
	id := flag.Int("id", 0xf0000000+os.Getpid()%65536, "the uid and gid it runs as")
	flag.Parse()
	if *jail == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: sandbox -jail DIR [flags] -- PROGRAM ARGS…")
		os.Exit(2)
	}
	code, err := run(context.Background(), *jail, limits{*fsize, *nofile, *nproc}, *id, flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

type limits struct{ fsize, nofile, nproc uint64 }

func run(ctx context.Context, jail string, lim limits, id int, argv []string) (int, error) {
	e, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		return 0, err
	}
	defer e.Close()
	c, err := e.Root().Fork(ctx)
	if err != nil {
		return 0, err
	}
	// The limits, the jail, a user of our own, and the process limit
	// last: RLIMIT_NPROC counts the node's threads too.
	steps := []func() error{
		func() error {
			return c.Setrlimit(ctx, unix.RLIMIT_FSIZE, engine.Rlimit{Cur: lim.fsize, Max: lim.fsize})
		},
		func() error {
			return c.Setrlimit(ctx, unix.RLIMIT_NOFILE, engine.Rlimit{Cur: lim.nofile, Max: lim.nofile})
		},
		func() error { return c.Chroot(ctx, jail) },
		func() error { return c.Chdir(ctx, "/") },
		func() error { return c.Setgid(ctx, id) },
		func() error { return c.Setuid(ctx, id) },
		func() error {
			return c.Setrlimit(ctx, unix.RLIMIT_NPROC, engine.Rlimit{Cur: lim.nproc, Max: lim.nproc})
		},
		func() error { return c.Execvp(ctx, argv[0], argv) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return 0, err
		}
	}
	go func() { // our input is the program's
		io.Copy(c.Stdin(), os.Stdin)
		c.Stdin().Close()
	}()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); io.Copy(os.Stdout, c.Stdout()) }()
	go func() { defer wg.Done(); io.Copy(os.Stderr, c.Stderr()) }()
	st, err := c.Wait(ctx)
	if err != nil {
		return 0, err
	}
	wg.Wait()
	if st.Signaled() {
		return 128 + int(st.Signal()), nil
	}
	return st.ExitCode(), nil
}
