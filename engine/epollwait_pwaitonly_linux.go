//go:build linux && (arm64 || riscv64 || loong64)

package engine

// sysEpollWait: these architectures have no epoll_wait, only
// epoll_pwait; -1 matches no system call.
const sysEpollWait = -1
