//go:build linux && !amd64

package proto

import "syscall"

// haveVfork is false: without an assembly helper the child cannot share
// the parent's stack, so spawn uses a plain (copying) clone.
const haveVfork = false

func rawVforkSyscall(trap, a1, a2, a3 uintptr) (r1, err uintptr) {
	r, _, e := syscall.RawSyscall6(trap, a1, a2, a3, 0, 0, 0)
	return r, uintptr(e)
}
