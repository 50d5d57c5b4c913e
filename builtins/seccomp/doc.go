// Package seccomp compiles seccomp filter policies written with syscall
// names, named groups and argument conditions into classic BPF for
// linux/amd64, and disassembles the result. Compiling is portable; only
// loading a Docker profile (profile_linux.go, which evaluates the
// profile's conditions on the running kernel) and installing a filter
// (package builtins) are Linux's.
package seccomp
