package node

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/proto"
)

// The image of the binary that every node executes (FdExe). It must keep
// working after chroot (no /proc, no binary in sight) or setuid (binary
// unreadable), and no node, nor a program that sees a node's
// /proc/PID/exe or /proc/PID/fd, may change the file every node executes
// (the CVE-2019-5736 class). Two ways give that:
//
//   - a read-only image (readOnlyImage): the binary's own file, opened
//     through a read-only, nosuid bind mount of it that is in no mount
//     namespace. A few system calls, made by the root at its start; it
//     needs CAP_SYS_ADMIN over the root's mount namespace.
//   - a sealed copy (copyExe): the binary copied into a memfd whose seals
//     forbid writes. 9 MB copied (3–7 ms here), so the root makes it at
//     its first child, and only where it cannot make the image.
//
// Unsharing a user namespace in place needs the copy whatever the image
// (its ELF entry rewritten, proto.HookCopy): the node that asks makes it
// then (ensureHookedExe).

// readOnlyImage opens the file that exe is open on again, through a
// clone of its mount that is read-only and nosuid (as the memfd, it
// gives the nodes no file capabilities: see proto's carried caps), and
// closes the clone, which dissolves it: a mount in no namespace cannot be
// made writable again (mount_setattr refuses it), even by a process with
// CAP_SYS_ADMIN in a user namespace of its own, which an anonymous mount
// namespace (the clone while its fd is open) would not stop. It needs
// /proc, which the root has at its start.
func readOnlyImage(exe int) (int, error) {
	img, tree, err := imageAndTree(exe)
	if err == nil {
		unix.Close(tree)
	}
	return img, err
}

// imageAndTree opens the image as readOnlyImage does, and leaves the
// clone's fd open for the caller to close, which dissolves it. The close
// can wait for the kernel's RCU grace period (0.1–2.5 ms measured here),
// which a caller may overlap with other work, as long as no node runs
// before it.
func imageAndTree(exe int) (img, tree int, err error) {
	tree, err = unix.OpenTree(exe, "", unix.AT_EMPTY_PATH|unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return -1, -1, os.NewSyscallError("open_tree", err)
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		unix.Close(tree)
		return -1, -1, os.NewSyscallError("mount_setattr", err)
	}
	img, err = unix.Open("/proc/self/fd/"+strconv.Itoa(tree), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(tree)
		return -1, -1, &os.PathError{Op: "open", Path: "/proc/self/fd/" + strconv.Itoa(tree), Err: err}
	}
	return img, tree, nil
}

// ensureExe replaces the root's plain fd of its binary (FdExe), where it
// could not make the read-only image, with a sealed memfd copy before it
// makes its first child.
func (n *node) ensureExe() {
	if !n.exeOpen {
		return
	}
	n.exeOpen = false
	copyExe()
}

// ensureHookedExe makes sure FdExe enters through alshEntry, which an
// in-place unshare of a user namespace needs: a node started from the
// read-only image (or the root, which made it) makes the hooked copy now.
// The copy reads FdExe itself, so it works after chroot or setuid.
func (n *node) ensureHookedExe() {
	n.ensureExe()
	if !proto.EntryHooked() && !exeHooked {
		copyExe()
	}
}

// copyExe replaces FdExe with a sealed memfd copy of what it holds,
// hooked (proto.HookCopy). Where the host forbids executing memfds
// (vm.memfd_noexec=2), FdExe stays: it works after setuid while the
// binary stays executable for the new ids.
func copyExe() {
	mem, err := unix.MemfdCreate("alsh", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|unix.MFD_EXEC)
	if errors.Is(err, unix.EINVAL) { // kernels before 6.3 know no MFD_EXEC
		mem, err = unix.MemfdCreate("alsh", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		errExeUnhooked = fmt.Errorf("the binary's copy could not be made (memfd_create: %v)", err)
		return
	}
	if err := copyAndSeal(mem, proto.FdExe); err != nil {
		exeHooked, errExeUnhooked = false, fmt.Errorf("the binary's copy could not be made (%v)", err)
	} else if err := moveFd(mem, proto.FdExe); err != nil {
		exeHooked, errExeUnhooked = false, fmt.Errorf("the binary's copy could not take its fd (%v)", err)
	}
	unix.Close(mem)
}

// copyAndSeal fills the memfd with raw syscalls only (an os.File would
// start the Go netpoller, whose fds must not take the node's fixed
// numbers), from the start of src whatever its offset.
func copyAndSeal(mem, src int) error {
	var off int64
	for {
		n, err := unix.Sendfile(mem, src, &off, 1<<30)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return os.NewSyscallError("sendfile", err)
		}
		if n == 0 {
			break
		}
	}
	exeHooked, errExeUnhooked = proto.HookCopy(mem)
	if proto.EntryHooked() { // linked with -E: the copy is hooked as it is
		exeHooked, errExeUnhooked = true, nil
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	_, err := unix.FcntlInt(uintptr(mem), unix.F_ADD_SEALS, seals)
	return os.NewSyscallError("fcntl F_ADD_SEALS", err)
}
