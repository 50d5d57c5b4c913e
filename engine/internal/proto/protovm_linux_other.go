//go:build linux && !amd64

package proto

const haveCloneVM = false

func cloneVM(args *cloneArgs, size uintptr, s *SpawnArgs, ps *State, ppid uintptr) (pid, errno uintptr) {
	panic("cloneVM needs assembly")
}
