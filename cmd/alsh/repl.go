package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/alsh/alsh/engine"
	"github.com/alsh/alsh/repl"
)

// startREPL runs package repl on the terminal. withEngine ends alsh on
// SIGINT; in the REPL, Ctrl-C must only cancel the entry that runs, so
// the REPL takes SIGINT over: signal.Ignore undoes the earlier Notify and
// repl.Run notifies its own channel. SIGTERM and SIGHUP still end alsh.
func startREPL(ctx context.Context, stdio [3]*os.File, eng *engine.Engine, args []string) int {
	signal.Ignore(os.Interrupt)
	return repl.Run(ctx, repl.Config{Host: eng, Args: args,
		Stdin: stdio[0], Stdout: stdio[1], Stderr: stdio[2]})
}

// startREPLWith is startREPL with variables already set and a prelude
// already run (alsh box --step: $box is the half-built sandbox).
func startREPLWith(ctx context.Context, stdio [3]*os.File, eng *engine.Engine, vars map[string]any, prelude string) int {
	signal.Ignore(os.Interrupt)
	return repl.Run(ctx, repl.Config{Host: eng, Vars: vars, Prelude: prelude,
		Stdin: stdio[0], Stdout: stdio[1], Stderr: stdio[2]})
}
