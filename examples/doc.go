// Package examples holds Go programs built on package engine, each in a
// directory of its own, and the test that builds each with a plain go
// build and runs it:
//
//	sandbox     runs a command in a chroot jail with resource limits and a
//	            user of its own (the chroot example of scripts/, in Go)
//	supervisor  runs a sandboxed program and starts it again when it exits
//	filter      pipes bytes through a sandboxed cat with io.Copy and checks
//	            every one
//	embed       shows what a program that embeds the engine may do before
//	            main: its nodes are the program itself, re-executed
//
// They need root (namespaces, chroot, setuid), as alsh's sandboxes do.
package examples
