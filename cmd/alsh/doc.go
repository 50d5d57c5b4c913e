// Package main is the alsh command: a tiny main and a testable Run that
// parses the command line, starts the engine, and runs a script, a -c
// text, statements from stdin, or the REPL; alsh learn runs the lessons
// (package lessons) in the REPL, or as a test with --check.
//
// Exit status: 0 on success, 1 when a call or an expect fails, 2 on a
// usage or syntax error, 128+N when alsh is killed by signal N, and the
// status of exit N.
package main
