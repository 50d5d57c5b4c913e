package builtins

import (
	"encoding/binary"
	"errors"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins/cgroupfs"
)

var cgroupImpls = []namedImpl{
	{"cgroup_layout", sysCgroupLayout},
	{"cgroup_create", sysCgroupCreate},
	{"cgroup_set", sysCgroupSet},
	{"cgroup_get", sysCgroupGet},
	{"cgroup_add", sysCgroupAdd},
	{"cgroup_procs", sysCgroupProcs},
	{"cgroup_delete", sysCgroupDelete},
}

// kernelCgroupfs is cgroupfs.System over the real filesystem and kernel,
// in raw syscalls: no os.File, whose first use would start Go's netpoller
// (an epoll fd and an eventfd) in the node.
type kernelCgroupfs struct{}

func openCloexec(p string, flags int) (int, error) {
	var fd int
	err := retry(func() (err error) {
		fd, err = unix.Open(p, flags|unix.O_CLOEXEC, 0)
		return err
	})
	return fd, err
}

func (kernelCgroupfs) ReadFile(p string) ([]byte, error) {
	fd, err := openCloexec(p, unix.O_RDONLY)
	if err != nil {
		return nil, pathErr("open", p, err)
	}
	defer unix.Close(fd)
	var out []byte
	buf := make([]byte, 4096)
	for {
		var n int
		err := retry(func() (err error) { n, err = unix.Read(fd, buf); return err })
		if err != nil {
			return nil, pathErr("read", p, err)
		}
		if n == 0 {
			return out, nil
		}
		out = append(out, buf[:n]...)
	}
}

// WriteFile writes data in one write(2): cgroupfs parses each write on
// its own and refuses creating or truncating.
func (kernelCgroupfs) WriteFile(p, data string) error {
	fd, err := openCloexec(p, unix.O_WRONLY)
	if err != nil {
		return pathErr("open", p, err)
	}
	defer unix.Close(fd)
	err = retry(func() error {
		_, err := unix.Write(fd, []byte(data))
		return err
	})
	return pathErr("write "+strconv.Quote(data)+" to", p, err)
}

func (kernelCgroupfs) Mkdir(p string) error { return pathErr("mkdir", p, unix.Mkdir(p, 0o755)) }
func (kernelCgroupfs) Rmdir(p string) error { return pathErr("rmdir", p, unix.Rmdir(p)) }

func (kernelCgroupfs) ReadDir(p string) ([]cgroupfs.Entry, error) {
	fd, err := openCloexec(p, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return nil, pathErr("open", p, err)
	}
	defer unix.Close(fd)
	var out []cgroupfs.Entry
	buf := make([]byte, 16<<10)
	for {
		var n int
		err := retry(func() (err error) { n, err = unix.Getdents(fd, buf); return err })
		if err != nil {
			return nil, pathErr("getdents", p, err)
		}
		if n == 0 {
			return out, nil
		}
		out = appendEntries(out, buf[:n])
	}
}

// appendEntries appends the entries of linux_dirent64 records (ino u64,
// off s64, reclen u16, type u8, name), leaving out . and ..
func appendEntries(out []cgroupfs.Entry, b []byte) []cgroupfs.Entry {
	const nameOff = 19
	for len(b) >= nameOff {
		reclen := int(binary.NativeEndian.Uint16(b[16:18]))
		if reclen < nameOff || reclen > len(b) {
			break
		}
		name := unix.ByteSliceToString(b[nameOff:reclen])
		if name != "." && name != ".." {
			out = append(out, cgroupfs.Entry{Name: name, Dir: b[18] == unix.DT_DIR})
		}
		b = b[reclen:]
	}
	return out
}

func (kernelCgroupfs) Exists(p string) bool {
	var st unix.Stat_t
	return retry(func() error { return unix.Stat(p, &st) }) == nil
}

func (kernelCgroupfs) Kill(pid int) error { return unix.Kill(pid, unix.SIGKILL) }
func (kernelCgroupfs) Sleep(d time.Duration) {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	unix.Nanosleep(&ts, nil) // an early wake-up only checks again sooner
}
func (kernelCgroupfs) Getpid() int { return unix.Getpid() }

// cgroups finds the calling node's layout (and its own cgroups with
// withCurrent: reading /proc/self/cgroup costs as much as the rest).
func cgroups(withCurrent bool) (*cgroupfs.Cgroups, error) {
	sys := kernelCgroupfs{}
	procCgroup := ""
	if withCurrent {
		procCgroup = "/proc/self/cgroup"
	}
	l, err := cgroupfs.Discover(sys, "/proc/self/mountinfo", procCgroup)
	if err != nil {
		return nil, err
	}
	return &cgroupfs.Cgroups{Sys: sys, Layout: l}, nil
}

func sysCgroupLayout(Node, Args) (any, error) {
	c, err := cgroups(true)
	if err != nil {
		return nil, err
	}
	var hs []any
	for i := range c.Layout.Hierarchies {
		h := &c.Layout.Hierarchies[i]
		hs = append(hs, Record{"version": int64(h.Version), "mount": h.Mount,
			"controllers": anyList(h.Controllers), "cgroup": h.Current, "dir": h.CurrentDir()})
	}
	return Record{"layout": c.Layout.Kind(), "hierarchies": hs}, nil
}

func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func sysCgroupCreate(_ Node, a Args) (any, error) {
	c, err := cgroups(false)
	if err != nil {
		return nil, err
	}
	var ctrls []string
	if a.Has(1) {
		ctrls = a.Strs(1)
	}
	made, err := c.Create(a.Str(0), ctrls)
	if err != nil {
		return nil, cgroupErr("cgroup_create", err)
	}
	return anyList(made), nil
}

func sysCgroupSet(_ Node, a Args) (any, error) {
	var value string
	switch v := a.Value(2).(type) {
	case string:
		value = v
	case int64:
		value = strconv.FormatInt(v, 10)
	default:
		return nil, &ArgError{Call: "cgroup_set", N: 3, Name: "value", Msg: wantGot("string or int", v).Error()}
	}
	c, err := cgroups(false)
	if err != nil {
		return nil, err
	}
	return ok(cgroupErr("cgroup_set", c.Set(a.Str(0), a.Str(1), value)))
}

func sysCgroupGet(_ Node, a Args) (any, error) {
	c, err := cgroups(false)
	if err != nil {
		return nil, err
	}
	v, err := c.Get(a.Str(0), a.Str(1))
	if err != nil {
		return nil, cgroupErr("cgroup_get", err)
	}
	return v, nil
}

// sysCgroupAdd takes a pid as the node sees it, or a pipeline relative
// to the node, [$c $g], which it resolves to that pid.
func sysCgroupAdd(_ Node, a Args) (any, error) {
	var pid int
	switch v := a.Value(1).(type) {
	case int64:
		pid = int(v)
	case []any:
		pl, err := listOf(v, toInt)
		if err != nil {
			return nil, &ArgError{Call: "cgroup_add", N: 2, Name: "process", Msg: err.Error()}
		}
		if pid, err = pidOfPipeline(ints(pl.([]any))); err != nil {
			return nil, &ArgError{Call: "cgroup_add", N: 2, Name: "process", Msg: err.Error()}
		}
	default:
		return nil, &ArgError{Call: "cgroup_add", N: 2, Name: "process", Msg: wantGot("a pid or a pipeline", v).Error()}
	}
	c, err := cgroups(false)
	if err != nil {
		return nil, err
	}
	return ok(cgroupErr("cgroup_add", c.Add(a.Str(0), pid)))
}

func sysCgroupProcs(_ Node, a Args) (any, error) {
	c, err := cgroups(false)
	if err != nil {
		return nil, err
	}
	pids, err := c.Procs(a.Str(0))
	if err != nil {
		return nil, cgroupErr("cgroup_procs", err)
	}
	out := make([]any, len(pids))
	for i, p := range pids {
		out[i] = int64(p)
	}
	return out, nil
}

func sysCgroupDelete(_ Node, a Args) (any, error) {
	c, err := cgroups(false)
	if err != nil {
		return nil, err
	}
	return ok(cgroupErr("cgroup_delete", c.Delete(a.Str(0))))
}

// cgroupErr turns cgroupfs's name errors into argument errors that name
// the word and suggest the nearest names; kernel errors keep their errno.
func cgroupErr(call string, err error) error {
	var (
		badName *cgroupfs.BadNameError
		file    *cgroupfs.UnknownFileError
		ctrl    *cgroupfs.UnknownControllerError
		unmap   *cgroupfs.UnmappableError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &badName) && badName.Kind == "file":
		return &ArgError{Call: call, N: 2, Name: "file", Msg: err.Error()}
	case errors.As(err, &badName):
		return &ArgError{Call: call, N: 1, Name: "name", Msg: err.Error()}
	case errors.As(err, &file):
		return &ArgError{Call: call, N: 2, Name: "file", Msg: err.Error() + suggest(file.File, file.Known)}
	case errors.As(err, &ctrl) && call == "cgroup_create":
		return &ArgError{Call: call, N: 2, Name: "controllers", Msg: err.Error() + suggest(ctrl.Controller, ctrl.Known)}
	case errors.As(err, &ctrl):
		return &ArgError{Call: call, N: 2, Name: "file", Msg: err.Error() + suggest(ctrl.Controller, ctrl.Known)}
	case errors.As(err, &unmap):
		return &ArgError{Call: call, N: 2, Name: "file", Msg: err.Error()}
	}
	return err
}
