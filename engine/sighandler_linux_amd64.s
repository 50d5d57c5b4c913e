#include "textflag.h"

// func sigHandler()
//
// A node's handler for the signals it catches (signals_linux_amd64.go).
// The kernel calls it on the thread's alternate signal stack, which the Go
// runtime sets up for every thread, with the signal number in DI. It writes
// that number, one byte, to the self-pipe sigPipeW and returns to
// sigReturn. Registers need no saving: rt_sigreturn restores them all.
TEXT ·sigHandler(SB),NOSPLIT|NOFRAME,$0
	SUBQ	$8, SP
	MOVB	DI, 0(SP)
	MOVQ	·sigPipeW(SB), DI
	MOVQ	SP, SI
	MOVL	$1, DX
	MOVL	$1, AX // write
	SYSCALL
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
