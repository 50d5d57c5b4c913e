package cgroupfs

import (
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// fakeTree is an in-memory cgroupfs that behaves as the kernel does where
// the operations depend on it: mkdir makes a cgroup's files (v2: the core
// files and those of the controllers its parent's cgroup.subtree_control
// enables), files cannot be created, a v2 cgroup with processes cannot
// enable controllers, a v1 cpuset with no cpus takes no process, rmdir
// refuses a cgroup with processes or children, cgroup.kill and SIGKILL
// empty cgroup.procs.
type fakeTree struct {
	files   map[string]string
	dirs    map[string]int // directory → cgroup version
	self    int
	killed  []int
	written []string // "path=value", in order
}

func newFakeTree() *fakeTree {
	return &fakeTree{files: map[string]string{}, dirs: map[string]int{}, self: 1}
}

// v2Files are what a new v2 cgroup shows per controller enabled for it.
var v2Files = map[string]map[string]string{
	"memory":  {"memory.max": "max", "memory.current": "0", "memory.swap.max": "max", "memory.high": "max"},
	"cpu":     {"cpu.max": "max 100000", "cpu.weight": "100"},
	"pids":    {"pids.max": "max", "pids.current": "0"},
	"cpuset":  {"cpuset.cpus": "", "cpuset.mems": ""},
	"hugetlb": {"hugetlb.2MB.max": "max"},
}

// v1Files are what a new v1 cgroup shows per controller of its hierarchy.
var v1Files = map[string]map[string]string{
	"memory":  {"memory.limit_in_bytes": "9223372036854771712", "memory.memsw.limit_in_bytes": "9223372036854771712", "memory.usage_in_bytes": "0"},
	"cpu":     {"cpu.cfs_quota_us": "-1", "cpu.cfs_period_us": "100000", "cpu.shares": "1024"},
	"cpuset":  {"cpuset.cpus": "", "cpuset.mems": ""},
	"pids":    {"pids.max": "max"},
	"freezer": {"freezer.state": "THAWED"},
}

// mountV2 makes a v2 root offering controllers; mountV1 a v1 root.
func (f *fakeTree) mountV2(dir string, controllers ...string) {
	f.dirs[dir] = 2
	f.files[dir+"/cgroup.controllers"] = strings.Join(controllers, " ")
	f.files[dir+"/cgroup.subtree_control"] = ""
	f.files[dir+"/cgroup.procs"] = "1\n"
	f.files[dir+"/cgroup.max.descendants"] = "max"
}

func (f *fakeTree) mountV1(dir string, controllers ...string) {
	f.dirs[dir] = 1
	f.files[dir+"/cgroup.procs"] = "1\n"
	for _, c := range controllers {
		for n, v := range v1Files[c] {
			f.files[dir+"/"+n] = v
		}
	}
	if slices.Contains(controllers, "cpuset") {
		f.files[dir+"/cpuset.cpus"] = "0-1"
		f.files[dir+"/cpuset.mems"] = "0"
	}
	f.files[dir+"/.controllers"] = strings.Join(controllers, " ") // the fake's own note
}

func pathErr(op, p string, errno syscall.Errno) error {
	return &fs.PathError{Op: op, Path: p, Err: errno}
}

func (f *fakeTree) ReadFile(p string) ([]byte, error) {
	v, ok := f.files[p]
	if !ok {
		return nil, pathErr("open", p, syscall.ENOENT)
	}
	if v != "" && !strings.HasSuffix(v, "\n") {
		v += "\n"
	}
	return []byte(v), nil
}

func (f *fakeTree) WriteFile(p, data string) error {
	if _, ok := f.files[p]; !ok {
		return pathErr("open", p, syscall.ENOENT)
	}
	f.written = append(f.written, p+"="+data)
	dir, name := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	switch name {
	case "cgroup.procs":
		if c, ok := f.files[dir+"/cpuset.cpus"]; ok && c == "" {
			return pathErr("write", p, syscall.ENOSPC)
		}
		f.files[p] += data + "\n"
		return nil
	case "cgroup.kill":
		f.files[dir+"/cgroup.procs"] = ""
		return nil
	case "cgroup.subtree_control":
		return f.enable(dir, data)
	}
	f.files[p] = data
	return nil
}

func (f *fakeTree) enable(dir, data string) error {
	ctrl, ok := strings.CutPrefix(data, "+")
	if !ok || !slices.Contains(strings.Fields(f.files[dir+"/cgroup.controllers"]), ctrl) {
		return pathErr("write", dir+"/cgroup.subtree_control", syscall.EINVAL)
	}
	if f.files[dir+"/cgroup.procs"] != "" && path.Dir(dir) != "/" && f.dirs[path.Dir(dir)] != 0 {
		return pathErr("write", dir+"/cgroup.subtree_control", syscall.EBUSY)
	}
	f.files[dir+"/cgroup.subtree_control"] = strings.TrimSpace(f.files[dir+"/cgroup.subtree_control"] + " " + ctrl)
	for d := range f.dirs {
		if path.Dir(d) == dir {
			f.files[d+"/cgroup.controllers"] = f.files[dir+"/cgroup.subtree_control"]
			for n, v := range v2Files[ctrl] {
				f.files[d+"/"+n] = v
			}
		}
	}
	return nil
}

func (f *fakeTree) Mkdir(p string) error {
	parent := path.Dir(p)
	v, ok := f.dirs[parent]
	if !ok {
		return pathErr("mkdir", p, syscall.ENOENT)
	}
	if _, ok := f.dirs[p]; ok {
		return pathErr("mkdir", p, syscall.EEXIST)
	}
	f.dirs[p] = v
	f.files[p+"/cgroup.procs"] = ""
	if v == 2 {
		on := f.files[parent+"/cgroup.subtree_control"]
		f.files[p+"/cgroup.controllers"] = on
		f.files[p+"/cgroup.subtree_control"] = ""
		f.files[p+"/cgroup.kill"] = ""
		f.files[p+"/cgroup.freeze"] = "0"
		f.files[p+"/cgroup.max.descendants"] = "max"
		for _, c := range strings.Fields(on) {
			for n, val := range v2Files[c] {
				f.files[p+"/"+n] = val
			}
		}
		return nil
	}
	f.files[p+"/.controllers"] = f.files[parent+"/.controllers"]
	for _, c := range strings.Fields(f.files[parent+"/.controllers"]) {
		for n, val := range v1Files[c] {
			f.files[p+"/"+n] = val
		}
	}
	if _, ok := f.files[p+"/cpuset.cpus"]; ok {
		f.files[p+"/cpuset.cpus"], f.files[p+"/cpuset.mems"] = "", ""
	}
	return nil
}

func (f *fakeTree) Rmdir(p string) error {
	if _, ok := f.dirs[p]; !ok {
		return pathErr("rmdir", p, syscall.ENOENT)
	}
	for d := range f.dirs {
		if path.Dir(d) == p {
			return pathErr("rmdir", p, syscall.ENOTEMPTY)
		}
	}
	if f.files[p+"/cgroup.procs"] != "" {
		return pathErr("rmdir", p, syscall.EBUSY)
	}
	delete(f.dirs, p)
	for n := range f.files {
		if path.Dir(n) == p {
			delete(f.files, n)
		}
	}
	return nil
}

func (f *fakeTree) ReadDir(p string) ([]Entry, error) {
	if _, ok := f.dirs[p]; !ok {
		return nil, pathErr("open", p, syscall.ENOENT)
	}
	var out []Entry
	for d := range f.dirs {
		if path.Dir(d) == p && d != p {
			out = append(out, Entry{Name: path.Base(d), Dir: true})
		}
	}
	for n := range f.files {
		if path.Dir(n) == p && !strings.HasPrefix(path.Base(n), ".") {
			out = append(out, Entry{Name: path.Base(n)})
		}
	}
	return out, nil
}

func (f *fakeTree) Exists(p string) bool {
	_, dir := f.dirs[p]
	_, file := f.files[p]
	return dir || file
}

func (f *fakeTree) Kill(pid int) error {
	f.killed = append(f.killed, pid)
	s := strconv.Itoa(pid) + "\n"
	for n, v := range f.files {
		if path.Base(n) == "cgroup.procs" {
			f.files[n] = strings.ReplaceAll(v, s, "")
		}
	}
	return nil
}

func (f *fakeTree) Sleep(time.Duration) {}
func (f *fakeTree) Getpid() int         { return f.self }
