package proto

// haveCloneVM: cloneVM can start a proto-node that shares its parent's
// memory (no page tables to copy, nothing copied on write, nothing to
// tear down at its exec).
const haveCloneVM = true

func cloneVM(args *cloneArgs, size uintptr, s *SpawnArgs, ps *State, ppid uintptr) (pid, errno uintptr)
