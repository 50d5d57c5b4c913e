// Package builtins declares every alsh call in one table and implements the
// node side of each.
//
// The table (table.go) holds no OS code: lang and repl read it for argument
// kinds, completion and help. The implementations live in *_linux.go files
// and run inside a node, on its locked main thread; engine dispatches to them.
// Constants (clone_newpid, rlimit_nofile, errno names…) are generated from
// golang.org/x/sys/unix into zconstants.go and are plain data.
package builtins
