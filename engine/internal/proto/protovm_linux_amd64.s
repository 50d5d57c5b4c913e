#include "textflag.h"

// func cloneVM(args *cloneArgs, size uintptr, s *spawnArgs, ps *protoState, ppid uintptr) (pid, errno uintptr)
//
// clone3 with CLONE_VM and a stack of the proto-node's own: the child
// starts on that stack, calls protoMain(s, ps, ppid), which never returns,
// and touches nothing of its parent's but s and ps. The arguments cross
// the syscall in registers it keeps (all but AX, CX and R11).
TEXT ·cloneVM(SB),NOSPLIT|NOFRAME,$0-56
	MOVQ	s+16(FP), R12
	MOVQ	ps+24(FP), R13
	MOVQ	ppid+32(FP), BX
	MOVQ	args+0(FP), DI
	MOVQ	size+8(FP), SI
	MOVL	$435, AX // clone3
	SYSCALL
	CMPQ	AX, $0
	JEQ	child
	CMPQ	AX, $0xfffffffffffff001
	JLS	parent
	MOVQ	$-1, pid+40(FP)
	NEGQ	AX
	MOVQ	AX, errno+48(FP)
	RET
parent:
	MOVQ	AX, pid+40(FP)
	MOVQ	$0, errno+48(FP)
	RET
child:
	SUBQ	$32, SP
	MOVQ	R12, 0(SP)
	MOVQ	R13, 8(SP)
	MOVQ	BX, 16(SP)
	CALL	·protoMain(SB)
	MOVL	$111, DI
	MOVL	$231, AX // exit_group, not reached
	SYSCALL
	INT	$3
