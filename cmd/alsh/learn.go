package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"

	"github.com/alsh/alsh/engine"
	"github.com/alsh/alsh/lessons"
	"github.com/alsh/alsh/repl"
)

const learnUsage = `usage: alsh learn [N]          list the lessons, or start lesson N in the REPL
       alsh learn --check [N]  run every lesson (or lesson N) with its reference
                               solutions, as a test; exit 1 if one fails`

// learn runs `alsh learn …`: the tour in the REPL, or its self-test.
func (c *config) learn(stdio [3]*os.File) int {
	args := c.args
	check := len(args) > 0 && args[0] == "--check"
	if check {
		args = args[1:]
	}
	n, err := lessonArg(args)
	if err != nil {
		fmt.Fprintf(stdio[2], "alsh: %v\n%s\n", err, learnUsage)
		return 2
	}
	if check {
		return c.checkLessons(stdio, n)
	}
	if !isTerminal(stdio[0]) {
		fmt.Fprintf(stdio[2], "alsh: learn needs a terminal; alsh learn --check runs the lessons as a test\n")
		return 2
	}
	start := "learn"
	if n > 0 {
		start = fmt.Sprintf("learn %d", n)
	}
	return c.withEngine(stdio, func(ctx context.Context, eng *engine.Engine) int {
		signal.Ignore(os.Interrupt) // as startREPL: Ctrl-C belongs to the REPL
		return repl.Run(ctx, repl.Config{Host: eng, Stdin: stdio[0], Stdout: stdio[1],
			Stderr: stdio[2], Start: start})
	})
}

// lessonArg reads the optional lesson number; 0 means none.
func lessonArg(args []string) (int, error) {
	switch len(args) {
	case 0:
		return 0, nil
	case 1:
		n, err := strconv.Atoi(args[0])
		if err != nil || n < 1 {
			return 0, fmt.Errorf("learn: want a lesson number, got %q", args[0])
		}
		if _, err := lessons.Find(n); err != nil {
			return 0, err
		}
		return n, nil
	}
	return 0, fmt.Errorf("learn: too many arguments")
}

// checkLessons runs lesson n, or every lesson, each on a tree of its
// own. A lesson that needs root is skipped without it, saying so.
func (c *config) checkLessons(stdio [3]*os.File, n int) int {
	out := stdio[1]
	failed := 0
	for _, l := range lessons.All() {
		if n != 0 && l.Number != n {
			continue
		}
		fmt.Fprintf(out, "lesson %d: %s\n", l.Number, l.Title)
		status := c.withEngine(stdio, func(ctx context.Context, eng *engine.Engine) int {
			if l.Root && !lessons.IsRoot(ctx, eng) {
				fmt.Fprintf(out, "  skipped: needs root (sudo alsh learn --check %d)\n", l.Number)
				return 0
			}
			if err := lessons.Verify(ctx, eng, l, out); err != nil {
				fmt.Fprintf(out, "  FAIL: %v\n", err)
				return 1
			}
			return 0
		})
		if status != 0 {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(out, "%d %s failed\n", failed, map[bool]string{true: "lesson", false: "lessons"}[failed == 1])
		return 1
	}
	return 0
}
