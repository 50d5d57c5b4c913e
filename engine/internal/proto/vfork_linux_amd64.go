package proto

// haveVfork: rawVforkSyscall is safe for CLONE_VM|CLONE_VFORK here.
const haveVfork = true

func rawVforkSyscall(trap, a1, a2, a3 uintptr) (r1, err uintptr)
