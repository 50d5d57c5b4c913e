// Package node is the node: the alsh binary re-executed in node mode,
// one process per node of the tree. Its init turns a binary started with
// Flag into a node before main runs; package engine imports it so that
// every binary holding the engine can be re-executed as a node.
//
// # Rules
//
// A node runs every call on its main thread, locked in init, and waits
// with epoll on raw fds there: state-changing and path-based syscalls
// (chroot, setuid, unshare, mount, fork, exec…) must run on that thread,
// since the kernel keeps much of a process's state per thread. Other
// goroutines may only move bytes on fds that are already open; none may
// block the node on a lock the main thread takes. A library used here
// must run on that thread without goroutines of its own.
//
// The node speaks to the driver only through package wire, on its
// control socket (fd proto.FdCtl); it imports wire, proto and builtins
// (whose call implementations it dispatches to), and never the driver.
// Its fork child starts as a proto-node (package proto), prepared here
// (protoprep_linux.go) and booted into a node when a call needs one.
package node
