// Package box turns a bubblewrap command line into a sandbox SPEC, the
// record the sandbox module's sandbox.apply runs (lib/sandbox.alsh), plus
// the clone flags and user-namespace maps of the process to run it in.
//
// What belongs here: parsing, portable and free of OS calls (an option
// that reads a file descriptor reads it through Options.ReadFD). What
// does not: running the sandbox, which cmd/alsh does through the engine.
package box
