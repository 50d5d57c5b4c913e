package builtins

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pathCall runs a one-path syscall on path, retrying EINTR, keeping op
// and path in the error.
func pathCall(op, path string, f func(string) error) (any, error) {
	return ok(pathErr(op, path, retry(func() error { return f(path) })))
}

func sysChmod(_ Node, a Args) (any, error) {
	return pathCall("chmod", a.Str(0), func(p string) error { return unix.Chmod(p, uint32(a.Int(1))) })
}

func sysChown(_ Node, a Args) (any, error) {
	return pathCall("chown", a.Str(0), func(p string) error { return unix.Chown(p, int(a.Int(1)), int(a.Int(2))) })
}

// link and symlink name the new path in errors: it is the one created.
func sysLink(_ Node, a Args) (any, error) {
	return pathCall("link", a.Str(1), func(newpath string) error { return unix.Link(a.Str(0), newpath) })
}

func sysSymlink(_ Node, a Args) (any, error) {
	return pathCall("symlink", a.Str(1), func(linkpath string) error { return unix.Symlink(a.Str(0), linkpath) })
}

func sysUnlink(_ Node, a Args) (any, error) { return pathCall("unlink", a.Str(0), unix.Unlink) }
func sysRmdir(_ Node, a Args) (any, error)  { return pathCall("rmdir", a.Str(0), unix.Rmdir) }

func sysMkdir(_ Node, a Args) (any, error) {
	return pathCall("mkdir", a.Str(0), func(p string) error { return unix.Mkdir(p, uint32(a.Int(1))) })
}

func sysMkfifo(_ Node, a Args) (any, error) {
	return pathCall("mkfifo", a.Str(0), func(p string) error { return unix.Mkfifo(p, uint32(a.Int(1))) })
}

// sysReaddir lists a directory with getdents64 on a raw fd (an os.File
// would start the Go netpoller in the node), keeping . and .. and the
// kernel's order (unix.ParseDirent would drop . and ..).
func sysReaddir(_ Node, a Args) (any, error) {
	p := a.Str(0)
	var fd int
	err := retry(func() (err error) {
		fd, err = unix.Open(p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, pathErr("readdir", p, err)
	}
	defer unix.Close(fd)
	names, err := direntNames(fd)
	if err != nil {
		return nil, pathErr("readdir", p, err)
	}
	return names, nil
}

func direntNames(fd int) ([]any, error) {
	names := []any{}
	buf := make([]byte, 16<<10)
	for {
		var n int
		err := retry(func() (err error) { n, err = unix.Getdents(fd, buf); return err })
		if err != nil || n == 0 {
			return names, err
		}
		names = parseDirents(buf[:n], names)
	}
}

// parseDirents appends the names of linux_dirent64 records: ino u64,
// off s64, reclen u16, type u8, then the NUL-terminated name.
func parseDirents(b []byte, names []any) []any {
	const nameOff = 19
	for len(b) >= nameOff {
		reclen := int(binary.NativeEndian.Uint16(b[16:18]))
		if reclen < nameOff || reclen > len(b) {
			break
		}
		names = append(names, unix.ByteSliceToString(b[nameOff:reclen]))
		b = b[reclen:]
	}
	return names
}

// sysMount passes NULL for an empty source, fstype or data, as alcove
// does; flags come from the mount table.
func sysMount(_ Node, a Args) (any, error) {
	src, target, fstype := a.Str(0), a.Str(1), a.Str(2)
	data := ""
	if a.Has(4) {
		data = a.Str(4)
	}
	return pathCall("mount", target, func(target string) error {
		return mount(src, target, fstype, uintptr(a.Int(3)), data)
	})
}

func mount(src, target, fstype string, flags uintptr, data string) error {
	t, err := unix.BytePtrFromString(target)
	if err != nil {
		return err
	}
	s, err1 := ptrOrNil(src)
	f, err2 := ptrOrNil(fstype)
	d, err3 := ptrOrNil(data)
	if err := firstErr(err1, err2, err3); err != nil {
		return err
	}
	_, _, e := unix.Syscall6(unix.SYS_MOUNT, uintptr(unsafe.Pointer(s)), uintptr(unsafe.Pointer(t)),
		uintptr(unsafe.Pointer(f)), flags, uintptr(unsafe.Pointer(d)), 0)
	return errnoErr(e)
}

// ptrOrNil is a C string, or NULL for "". A NUL inside s is EINVAL.
func ptrOrNil(s string) (*byte, error) {
	if s == "" {
		return nil, nil
	}
	return unix.BytePtrFromString(s)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func sysUmount(_ Node, a Args) (any, error) {
	return pathCall("umount", a.Str(0), func(p string) error { return unix.Unmount(p, 0) })
}

func sysUmount2(_ Node, a Args) (any, error) {
	return pathCall("umount2", a.Str(0), func(p string) error { return unix.Unmount(p, int(a.Int(1))) })
}

func sysPivotRoot(_ Node, a Args) (any, error) {
	return pathCall("pivot_root", a.Str(0), func(newRoot string) error { return unix.PivotRoot(newRoot, a.Str(1)) })
}

// sysMountSetattr changes mount attributes in place: unlike a remount, it
// keeps the flags it is not told to change (nosuid, nodev… that a user
// namespace locks), and with at_recursive it reaches every submount.
func sysMountSetattr(_ Node, a Args) (any, error) {
	attr := unix.MountAttr{Attr_set: uint64(a.Int(2)), Attr_clr: uint64(a.Int(3))}
	return pathCall("mount_setattr", a.Str(0), func(p string) error {
		return unix.MountSetattr(unix.AT_FDCWD, p, uint(a.Int(1)), &attr)
	})
}
