package engine

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The driver reads /proc of the tree's processes (their state, parent and
// children) with plain system calls: os.ReadFile made ten for a file,
// trying the netpoller on the way.

// threadState is the state letter of /proc/PID/stat (that of the main
// thread), or 0.
func threadState(pid int) byte {
	if f := procStat(pid); len(f) > 0 {
		return f[0][0]
	}
	return 0
}

// parentOf is pid's parent, from /proc/PID/stat, or 0.
func parentOf(pid int) int {
	if f := procStat(pid); len(f) > 1 {
		ppid, _ := strconv.Atoi(f[1])
		return ppid
	}
	return 0
}

// procStat is the fields of /proc/PID/stat after the command's name (the
// state first, then the parent), or none.
func procStat(pid int) []string {
	stat := readProcFile("/proc/"+strconv.Itoa(pid)+"/stat", make([]byte, 512))
	if stat == nil {
		return nil
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')') // the name may hold spaces and parentheses
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// readProcFile reads a small file of /proc (an open, the reads, a
// close), through buf; nil if it cannot be opened.
func readProcFile(path string, buf []byte) []byte {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	text := []byte{}
	for {
		n, err := unix.Read(fd, buf)
		if n <= 0 || err != nil {
			return text
		}
		text = append(text, buf[:n]...)
	}
}

// kernelChildren lists the children of every thread of pid (a node's
// children may hang off any of its threads); none once it is gone.
func kernelChildren(pid int) []int {
	buf := make([]byte, 4096)
	var out []int
	for _, tid := range readInts("/proc/"+strconv.Itoa(pid)+"/task", buf, true) {
		out = append(out, readInts(childrenFile(pid, tid), buf, false)...)
	}
	return out
}

// readInts reads the numbers a /proc file lists (the names of a
// directory's entries, when dir), skipping anything else.
func readInts(path string, buf []byte, dir bool) []int {
	var words []string
	if dir {
		words = readDirNames(path, buf)
	} else {
		words = strings.Fields(string(readProcFile(path, buf)))
	}
	var out []int
	for _, w := range words {
		if n, err := strconv.Atoi(w); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// readDirNames lists a directory of /proc with plain system calls.
func readDirNames(path string, buf []byte) []string {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	var names []string
	for {
		n, err := unix.ReadDirent(fd, buf)
		if n <= 0 || err != nil {
			return names
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}

func childrenFile(pid, tid int) string {
	return "/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(tid) + "/children"
}
