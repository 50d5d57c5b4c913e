#include "textflag.h"

// func alshEntry()
//
// The ELF entry of every node started from the root's copy of the binary
// (HookCopy rewrites the copy's entry address to it; a binary linked with
// -ldflags=-E=EntrySymbol has it as its own entry): it runs before the Go
// runtime, while the process has one thread, which is when
// unshare(CLONE_NEWUSER) is allowed. A node that re-executes itself to
// enter a new user namespace marks argv[1] as "-alsh-ux" and leaves the
// flags in a pipe at fd 1023; anything else starts as usual.
TEXT ·alshEntry(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$1, ·entryHooked(SB)
	MOVQ	0(SP), AX		// argc
	CMPQ	AX, $2
	JLT	run
	MOVQ	16(SP), BX		// argv[1]
	MOVQ	0(BX), CX
	MOVQ	$0x78752d68736c612d, DX	// "-alsh-ux"
	CMPQ	CX, DX
	JNE	run
	MOVB	8(BX), CX
	CMPB	CX, $0
	JNE	run
	MOVQ	$0, AX			// read(1023, &entryFlags, 8)
	MOVQ	$1023, DI
	LEAQ	·entryFlags(SB), SI
	MOVQ	$8, DX
	SYSCALL
	MOVQ	$3, AX			// close(1023)
	MOVQ	$1023, DI
	SYSCALL
	MOVQ	$272, AX		// unshare(entryFlags)
	MOVQ	·entryFlags(SB), DI
	SYSCALL
	MOVQ	AX, ·entryResult(SB)	// 0, or -errno
run:
	JMP	_rt0_amd64_linux(SB)

// func entryPCs() (hook, runtime uintptr)
//
// The raw addresses of alshEntry and of the Go runtime's ELF entry, for
// HookCopy, which moves the copy's entry from the one to the other.
TEXT ·entryPCs(SB),NOSPLIT,$0-16
	LEAQ	·alshEntry(SB), AX
	MOVQ	AX, hook+0(FP)
	LEAQ	_rt0_amd64_linux(SB), AX
	MOVQ	AX, runtime+8(FP)
	RET
