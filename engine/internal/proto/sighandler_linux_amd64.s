#include "textflag.h"

// func sigHandler()
//
// A node's handler for the signals it catches (signals_linux_amd64.go).
// The kernel calls it on the thread's alternate signal stack, which the Go
// runtime sets up for every thread, with the signal number in DI. For a
// node waiting for its next call in recvmsg (node.awaitCalls), it first
// makes the control socket non-blocking, so that a wait about to begin
// ends at once. It then writes the signal number, one byte, to the
// self-pipe sigPipeW, and counts the byte written in sigGen (the node
// counts those it reads). Run on another thread than the node's main one,
// it then sends SIGURG to that thread, so that a wait under way ends with
// EINTR (the Go runtime takes SIGURG as a preemption request, and ignores
// it when none is pending). In a child of the node between fork and exec
// (getpid is not the node's) it does nothing: the signal is not the
// node's. It returns to sigReturn. Registers need no saving: rt_sigreturn
// restores them all.
TEXT ·sigHandler(SB),NOSPLIT|NOFRAME,$0
	SUBQ	$8, SP
	MOVB	DI, 0(SP)
	MOVL	$39, AX // getpid
	SYSCALL
	MOVQ	·sigMainTid(SB), SI
	CMPQ	AX, SI
	JNE	out
	MOVL	$3, DI // fdCtl
	MOVL	$4, SI // F_SETFL
	MOVL	$0x800, DX // O_NONBLOCK
	MOVL	$72, AX // fcntl
	SYSCALL
	MOVQ	·sigPipeW(SB), DI
	MOVQ	SP, SI
	MOVL	$1, DX
	MOVL	$1, AX // write
	SYSCALL
	CMPQ	AX, $1
	JNE	interrupt // a full pipe: the byte is lost, and so not counted
	LOCK
	INCQ	·sigGen(SB)
interrupt:
	MOVL	$186, AX // gettid
	SYSCALL
	MOVQ	·sigMainTid(SB), SI
	CMPQ	AX, SI
	JEQ	out
	MOVQ	SI, DI // the main thread's tid is the thread group's id
	MOVL	$23, DX // SIGURG
	MOVL	$234, AX // tgkill
	SYSCALL
out:
	ADDQ	$8, SP
	RET

// func sigReturn()
//
// The restorer that x86-64 requires of every handler (SA_RESTORER).
TEXT ·sigReturn(SB),NOSPLIT|NOFRAME,$0
	MOVL	$15, AX // rt_sigreturn
	SYSCALL
	INT	$3 // not reached

// func sigHandlerPCs() (handler, restorer uintptr)
//
// The raw (ABI0) entry points, not those of Go func values, which would be
// wrappers that expect a goroutine.
TEXT ·sigHandlerPCs(SB),NOSPLIT,$0-16
	LEAQ	·sigHandler(SB), AX
	MOVQ	AX, handler+0(FP)
	LEAQ	·sigReturn(SB), AX
	MOVQ	AX, restorer+8(FP)
	RET
