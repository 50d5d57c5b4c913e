// Package repl is alsh's interactive front end: a readline loop that
// parses each entry with package lang, runs it on one Interp, completes
// commands, constants, variables, pipelines and paths, keeps history, and
// prints the processes' asynchronous output without corrupting the line
// being typed.
//
// What belongs here: terminal interaction only. repl imports no OS code
// beyond what readline needs; it reaches processes through the Host
// interface, which *engine.Engine satisfies, and every byte it writes to
// the terminal goes through one goroutine (printer.go).
package repl
