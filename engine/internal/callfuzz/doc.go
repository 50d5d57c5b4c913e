// Package callfuzz fuzzes the arguments of every call of the table
// against a real node (FuzzCallArgs): an error or a result, never a crash
// of the driver, a hang or a dead node, except where a call ends or stops
// its node by design.
//
// The fuzz target's test binary holds no engine: under go test -fuzz
// every package linked is instrumented, and the proto-node's code must not
// be (its nosplit stack limit). So the calls are made by a helper command
// (callfuzz/helper), built once with the entry hook, which makes each call
// on a fresh node in new namespaces, chrooted into a tmpfs, and reports
// what came of it.
package callfuzz
