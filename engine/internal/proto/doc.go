// Package proto is the code of alsh that runs without a Go runtime, in
// the node's process or in a child that shares its memory: the
// proto-node (a fork or clone child, in a new user namespace too, where
// it first waits for its parent to write the maps: protoTakeIDs; it
// serves the calls of Calls itself until one needs a node), the child
// half of every clone and vfork (RawSpawn, Fork), the node's signal
// handler, and the nodes' ELF entry (alshEntry,
// which HookCopy makes the entry of the root's copy of the binary).
// It imports wire for the protocol's constants, and nothing of the node or
// the driver.
//
// # Rules for the code that runs without the runtime
//
// Between the clone and the exec, a child of a multithreaded program may
// only make raw syscalls. Every function here that a child (or the signal
// handler, or the entry) runs is marked //go:nosplit and //go:norace, or
// is assembly, and:
//
//   - allocates nothing, and calls nothing that may (no fmt, no append, no
//     map, no interface conversion, no defer);
//   - writes no pointer to memory the parent's collector may scan (the
//     write barrier is runtime code): pointers live on the stack or are
//     kept as uintptr, as State's argv;
//   - fails no bounds check and divides by no zero (a panic runs the
//     runtime);
//   - keeps its stack under the nosplit limit (792 bytes on amd64, less
//     under instrumentation): big buffers live in State, not on the stack.
//
// The child's g is its parent's goroutine (same TLS, same memory), so a
// stack check, an allocation or a panic would run the parent's runtime on
// the child's stack and corrupt or kill the parent. The parent prepares
// everything a child reads in a State of the child's own (Load, Fork) or in
// a SpawnArgs, and the child reads no other memory the parent may change.
// The functions without the marks (Load, Fork, CStrings, AbsolutePath,
// SetDisposition, StartSignalPipe) run in the parent, with its runtime,
// before the clone; HookCopy runs in the root node, with its runtime.
//
// TestNosplitCallsOnlyNosplit reads this package's source and checks that
// each //go:nosplit function calls only functions marked so, assembly,
// the runtime's fork hooks and the raw syscalls, and allocates nothing
// through make, new or append: so the runtime-free calls (rawcalls_linux.go,
// which the node makes with the same code) cannot reach the runtime.
//
// Because coverage instrumentation grows nosplit frames past their limit,
// this package is not built with -cover or -fuzz. Its tests check the
// parent-side helpers; the proto-node's behaviour is tested through the
// engine's tests, which fork real proto-nodes and compare them with nodes.
package proto
