// Package engine runs alsh's process tree: the driver (this Go API), the
// node event loop (the alsh binary re-executed in node mode), the wire
// protocol between them, and the fork/exec machinery.
//
// Importing engine registers the node hook: a binary that imports it becomes
// a node when started in node mode, before main runs.
package engine
