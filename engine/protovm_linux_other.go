//go:build linux && !amd64

package engine

const haveCloneVM = false

func cloneVM(args *cloneArgs, size uintptr, s *spawnArgs, ps *protoState, ppid uintptr) (pid, errno uintptr) {
	panic("cloneVM needs assembly")
}
