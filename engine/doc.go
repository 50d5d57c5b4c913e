// Package engine is alsh's driver and its public Go API: Start runs a
// process tree, Call and the typed methods of zcalls.go make calls in it,
// Watch delivers output and events. It runs in the program that embeds
// it, with goroutines, and reaches its nodes only through the wire
// protocol (package wire) on one control socket per node, and through the
// binary's node mode (package node), which it starts.
//
// Importing engine registers the node hook (package node's init): a
// binary that imports it becomes a node when started in node mode, before
// main runs. Such a binary should be linked with -ldflags=-E=EntrySymbol
// for unshare clone_newuser in place.
//
// The packages below it, each run by one kind of process under its own
// rules (docs/architecture.md):
//
//	engine/internal/wire   the protocol both sides speak (no process state)
//	engine/internal/node   the node: its loop, dispatch, fork and exec
//	engine/internal/proto  what runs without a Go runtime: the proto-node,
//	                       the child half of clone and vfork, the signal
//	                       handler, the ELF entry
//	engine/internal/spin   the bounded busy waits of all three
//
// Dependencies point one way: engine → node → proto → wire; nothing below
// engine imports it.
package engine
