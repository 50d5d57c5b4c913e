package proto

import (
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A node takes the signals it catches with a handler of its own in
// assembly (sighandler_linux_amd64.s) that writes the signal number to a
// self-pipe. os/signal would do the same job, but it enables each signal
// with a handshake between two threads, about 70 µs on this VM, which
// made up a third of a fork.

// sigHandler and sigReturn are only called by the kernel (their addresses
// come from sigHandlerPCs).
//
//lint:ignore U1000 used from assembly
func sigHandler()

//lint:ignore U1000 used from assembly
func sigReturn()

func sigHandlerPCs() (handler, restorer uintptr)

// sigPipeW is the self-pipe's write end, read by sigHandler.
//
//lint:ignore U1000 used from assembly
var sigPipeW int64 = -1

// kernelSigaction is struct sigaction as rt_sigaction(2) takes it on x86-64.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const (
	saOnstack  = 0x08000000
	saRestart  = 0x10000000
	saRestorer = 0x04000000
	sigDfl     = 0
	sigIgn     = 1
)

var ignoreAction = kernelSigaction{handler: sigIgn}

// reignoreInChild ignores the ignored signals again in a child between
// clone and exec (raw syscalls only): the runtime's fork hook resets every
// signal it once installed a handler for, ignored ones included, and
// programs expect to inherit an ignored signal.
//
//go:norace
//go:nosplit
func reignoreInChild() {
	for i := 1; i < len(ignored); i++ {
		if ignored[i] {
			syscall.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(i), uintptr(unsafe.Pointer(&ignoreAction)), 0, 8, 0, 0)
		}
	}
}

var defaultAction = kernelSigaction{handler: sigDfl}

// defaultCaughtInChild gives the caught signals their default action in a
// child between clone and exec, as CLONE_CLEAR_SIGHAND does where clone3
// is allowed: the node's handler must not run in the child.
//
//go:norace
//go:nosplit
func defaultCaughtInChild() {
	for i := 1; i < 65; i++ {
		if caughtMask&(1<<(i-1)) != 0 {
			syscall.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(i), uintptr(unsafe.Pointer(&defaultAction)), 0, 8, 0, 0)
		}
	}
}

// sigMainTid is the node's main thread (its tid is the pid), which
// sigHandler interrupts when a signal lands on another thread.
//
//lint:ignore U1000 used from assembly
var sigMainTid int64

// sigGen counts the bytes sigHandler wrote to the signal pipe
// (atomically); the node counts those it read (node.sigSeen).
var sigGen int64

// SignalsWritten is sigGen, read atomically.
func SignalsWritten() int64 { return atomic.LoadInt64(&sigGen) }

// StartSignalPipe sends caught signals to the pipe's write end w. It runs
// on the main thread.
func StartSignalPipe(w int) {
	sigMainTid = int64(unix.Gettid())
	sigPipeW = int64(w)
}

// SignalsInterruptMain: a caught signal ends a blocking syscall of the
// main thread, whichever thread takes it (sigHandler).
const SignalsInterruptMain = true

// setAction catches, ignores or defaults sig. Callers have checked that
// the Go runtime does not own it (runtimeSignal).
func setAction(sig syscall.Signal, d Disposition) error {
	act := kernelSigaction{mask: ^uint64(0)}
	switch d {
	case DispCatch:
		act.handler, act.restorer = sigHandlerPCs()
		act.flags = saOnstack | saRestart | saRestorer
	case DispIgnore:
		act.handler = sigIgn
	default:
		act.handler = sigDfl
	}
	_, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
	if errno != 0 {
		return os.NewSyscallError("rt_sigaction", errno)
	}
	return nil
}
