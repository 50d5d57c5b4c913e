// Command embed is a Go program that embeds the engine, and so is its
// own node binary: the engine starts its nodes by executing this very
// program again, and the engine's init hook turns that process into a
// node before anything of this package runs. So, in a program that
// imports engine:
//
//   - main and the init functions of its main package run in the driver
//     only, never in a node: the hook runs first (the main package
//     depends on engine) and never returns;
//   - the init functions (and package-level variables) of packages that do
//     not import engine may run first, in every node: they must not start
//     goroutines, open or close files, write to stdout or stderr (a node's
//     are its program's), install signal handlers, change the process
//     (uid, limits, namespaces), or parse flags (a node's argv is the
//     engine's);
//   - no linker flag is needed, nor cgo.
//
// This program checks it: its main package's init writes a line to
// stdout, which would reach the driver as a node's output if it ran in
// one. It boots a node (a call a proto-node leaves to a node), moves the
// node into a user namespace of its own in place (which needs the
// engine's entry hook, reached without a linker flag), and runs a program
// there.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/alsh/alsh/engine"
)

func init() {
	fmt.Println("embed: main's init ran")
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	e, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		return err
	}
	defer e.Close()
	c, err := e.Root().Fork(ctx)
	if err != nil {
		return err
	}
	if _, err := c.Getcwd(ctx); err != nil { // boots a node: this program, executed again
		return err
	}
	uid, gid := os.Geteuid(), os.Getegid()
	err = c.Unshare(ctx, engine.CloneNewUser, engine.IDMaps{
		UID: []engine.IDMap{{Inside: 0, Outside: uid, Count: 1}},
		GID: []engine.IDMap{{Inside: 0, Outside: gid, Count: 1}},
	})
	if err != nil {
		return err
	}
	if err := c.Execvp(ctx, "sh", []string{"sh", "-c", "id -u; cat /proc/self/uid_map"}); err != nil {
		return err
	}
	out, err := io.ReadAll(c.Stdout())
	if err != nil {
		return err
	}
	st, err := c.Wait(ctx)
	if err != nil {
		return err
	}
	f := strings.Fields(string(out))
	fmt.Printf("node's program: %v, uid %s inside, mapped to our own: %v\n", st, f[0], len(f) == 4 && f[2] == fmt.Sprint(uid))
	fmt.Printf("main's init ran in a node: %v\n", strings.Contains(string(out), "main's init"))
	return nil
}
