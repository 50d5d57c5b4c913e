package builtins

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

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
