//go:build linux && !arm64 && !riscv64 && !loong64

package engine

import "golang.org/x/sys/unix"

// sysEpollWait is epoll_wait's number; newer architectures have only
// epoll_pwait.
const sysEpollWait = unix.SYS_EPOLL_WAIT
