// Package lang is the alsh command language: lexer, grammar, syntax tree,
// parse errors, the check that runs before a program (static.go), the
// canonical layout (format.go) and the evaluator that runs a program
// against a Host.
//
// What belongs here: everything about the language itself and its
// non-syscall builtins (print, wait, help, ps…). What does not: OS code.
// lang imports no engine and no golang.org/x/sys; it reads the call table in
// package builtins for argument kinds and help, and reaches processes only
// through the Host interface (host.go), which the engine implements and
// tests fake (package langtest).
package lang
