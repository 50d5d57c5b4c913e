// Package engine runs process trees and makes system calls in them, one
// process at a time: the library under alsh, for Go programs that build
// sandboxes, supervisors and containers.
//
// Start runs a tree, whose root is a node: this program, executed again
// in node mode. A Process is a handle on one process of the tree. Fork,
// Clone and Spawn make children; every system call of alsh's table is a
// method with typed parameters and results (Setrlimit takes an Rlimit,
// Waitpid returns a WaitStatus, flags are typed constants to which the
// kernel's golang.org/x/sys/unix constants convert), made in that process
// on its main thread. After an exec, the process is a program: Stdin,
// Stdout and Stderr are its streams, Wait its end, Events what happened
// to it, as os/exec users expect.
//
// A complete program: a child in new namespaces, with a file limit and
// an unprivileged user, runs a shell whose output is streamed and whose
// end is waited for (it needs root):
//
//	package main
//
//	import (
//		"context"
//		"fmt"
//		"io"
//		"log"
//		"os"
//
//		"golang.org/x/sys/unix"
//
//		"github.com/alsh/alsh/engine"
//	)
//
//	func main() {
//		ctx := context.Background()
//		e, err := engine.Start(ctx, engine.Options{})
//		if err != nil {
//			log.Fatal(err)
//		}
//		defer e.Close() // ends every process of the tree
//
//		// fork, and sandbox the child step by step
//		c, err := e.Root().Clone(ctx, engine.CloneNewPID|engine.CloneNewNS|engine.CloneNewNet)
//		if err != nil {
//			log.Fatal(err)
//		}
//		for _, err := range []error{
//			c.Setrlimit(ctx, unix.RLIMIT_NOFILE, engine.Rlimit{Cur: 64, Max: 64}),
//			c.Setgroups(ctx, []int{}),
//			c.Setgid(ctx, 65534),
//			c.Setuid(ctx, 65534),
//		} {
//			if err != nil {
//				log.Fatal(err)
//			}
//		}
//
//		// exec, stream, wait
//		if err := c.Execvp(ctx, "sh", []string{"sh", "-c", "echo pid $$ uid $(id -u)"}); err != nil {
//			log.Fatal(err)
//		}
//		c.Stdin().Close()
//		io.Copy(os.Stdout, c.Stdout()) // pid 1 uid 65534
//		st, err := c.Wait(ctx)
//		if err != nil {
//			log.Fatal(err)
//		}
//		fmt.Println(st) // exit status 0
//	}
//
// # Errors
//
// A call's failure is a *CallError naming the call, the pipeline of the
// process and the path involved; it wraps the cause, so that
// errors.Is(err, unix.EPERM) holds for a refused setuid, and
// errors.Is(err, builtins.ErrBadArg) for an argument out of range.
//
// # Contexts
//
// Every method takes a context first: its deadline bounds the call (with
// none, Options.CallTimeout does), and Wait's bounds the wait alone: the
// program runs on when it passes.
//
// # Streams
//
// Stdout and Stderr deliver every byte the program wrote, in order. They
// hold a few MiB ahead of the reader: past that, the engine stops reading
// the program's pipes, and the program waits in write until the reader
// takes more. Read both (or the program may stall, as with os/exec's
// pipes). Stdin's Write blocks while the program's pipe is full.
//
// # A program that embeds the engine is its own node
//
// The engine starts nodes by executing the running program again, and
// importing engine registers a hook (an init function of the engine's
// node package) that turns that process into a node before main runs. So
// main, and the init functions of the main package and of every package
// that imports engine, run only in the driver. The init functions and
// package-level variables of packages that do not depend on engine may
// run first, in every node: they must not start goroutines, open or close
// files, write to stdout or stderr, install signal handlers, change the
// process (ids, limits, namespaces) or parse flags (a node's argv is the
// engine's). The program needs no linker flag and no cgo: go build, go
// install and go test give the full feature set (examples/embed checks
// it).
//
// # The pipeline API
//
// Engine.Call, and the methods of Engine generated beside it, take a
// process's pipeline (its pids from the root down, as the alsh language
// writes them) and the table's dynamic values; the language and the REPL
// use them, with Watch for output and events. A process made through a
// handle delivers its output and events to its handle instead.
//
// # Packages below
//
// The engine runs in the program that embeds it, with goroutines, and
// reaches its nodes only through the wire protocol on one control socket
// per node. The packages below it, each run by one kind of process under
// its own rules (docs/architecture.md):
//
//	engine/internal/wire   the protocol both sides speak (no process state)
//	engine/internal/node   the node: its loop, dispatch, fork and exec
//	engine/internal/proto  what runs without a Go runtime: the proto-node,
//	                       the child half of clone and vfork, the signal
//	                       handler, the nodes' ELF entry
//	engine/internal/spin   the bounded busy waits of all three
//
// Dependencies point one way: engine → node → proto → wire; nothing below
// engine imports it.
package engine
