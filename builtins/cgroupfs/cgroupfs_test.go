package cgroupfs

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// hybridMountinfo is this machine's: v1 controllers, and a cgroup2 with
// only hugetlb at /sys/fs/cgroup/unified.
const hybridMountinfo = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

const hybridProcCgroup = `9:name=systemd:/
8:pids:/
6:freezer:/
4:memory:/process_api/ed9f
3:cpuset:/
1:cpu:/
0::/
`

func TestParseMountinfoHybrid(t *testing.T) {
	hs := ParseMountinfo(hybridMountinfo)
	ApplyProcCgroup(hs, hybridProcCgroup)
	var got []string
	for _, h := range hs {
		got = append(got, h.Mount+" v"+string(rune('0'+h.Version))+" "+strings.Join(h.Controllers, ",")+" "+h.CurrentDir())
	}
	want := []string{
		"/sys/fs/cgroup/cpu v1 cpu /sys/fs/cgroup/cpu",
		"/sys/fs/cgroup/cpuset v1 cpuset /sys/fs/cgroup/cpuset",
		"/sys/fs/cgroup/memory v1 memory /sys/fs/cgroup/memory/process_api/ed9f",
		"/sys/fs/cgroup/freezer v1 freezer /sys/fs/cgroup/freezer",
		"/sys/fs/cgroup/pids v1 pids /sys/fs/cgroup/pids",
		"/sys/fs/cgroup/unified v2  /sys/fs/cgroup/unified",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("hierarchies:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	hs[len(hs)-1].Controllers = []string{"hugetlb"}
	l := &Layout{Hierarchies: hs}
	if s := l.String(); s != "hybrid: v1 cpu, cpuset, memory, freezer, pids under /sys/fs/cgroup; v2 hugetlb at /sys/fs/cgroup/unified" {
		t.Errorf("layout %q", s)
	}
}

// A container's cgroup2 mount whose root is the container's own cgroup,
// a mount point with a space (mountinfo escapes it), and v1 controllers
// mounted together in either order.
func TestParseMountinfoRootsAndEscapes(t *testing.T) {
	hs := ParseMountinfo(`50 40 0:30 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate
51 40 0:31 / /mnt/my\040cg rw - cgroup cgroup rw,cpuacct,cpu
52 40 0:31 / /mnt/again rw - cgroup cgroup rw,cpu,cpuacct
`)
	ApplyProcCgroup(hs, "0::/docker/abc/inner\n2:cpu,cpuacct:/x\n")
	if len(hs) != 2 {
		t.Fatalf("want 2 hierarchies (the bind mount of cpu,cpuacct again is one), got %+v", hs)
	}
	if d := hs[0].CurrentDir(); d != "/sys/fs/cgroup/inner" {
		t.Errorf("v2 current dir = %q", d)
	}
	if hs[1].Mount != "/mnt/my cg" || !slices.Equal(hs[1].Controllers, []string{"cpu", "cpuacct"}) || hs[1].CurrentDir() != "/mnt/my cg/x" {
		t.Errorf("v1 cpu,cpuacct = %+v", hs[1])
	}
}

// newV2 is a v2-only host with memory, cpu, pids and cpuset offered.
func newV2(t *testing.T) (*Cgroups, *fakeTree) {
	f := newFakeTree()
	f.mountV2("/sys/fs/cgroup", "cpuset", "cpu", "memory", "pids")
	f.files["/proc/self/mountinfo"] = "30 20 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
	f.files["/proc/self/cgroup"] = "0::/\n"
	l, err := Discover(f, "/proc/self/mountinfo", "/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	if l.Kind() != "v2" || !slices.Equal(l.Controllers(), []string{"cpu", "cpuset", "memory", "pids"}) {
		t.Fatalf("layout %s", l)
	}
	return &Cgroups{Sys: f, Layout: l}, f
}

// newV1 is a v1-only host with memory, cpu, cpuset, pids and freezer.
func newV1(t *testing.T) (*Cgroups, *fakeTree) {
	f := newFakeTree()
	var mi strings.Builder
	for _, c := range []string{"cpu", "cpuset", "memory", "pids", "freezer"} {
		f.mountV1("/sys/fs/cgroup/"+c, c)
		mi.WriteString("30 20 0:26 / /sys/fs/cgroup/" + c + " rw - cgroup cgroup rw," + c + "\n")
	}
	f.files["/proc/self/mountinfo"] = mi.String()
	l, err := Discover(f, "/proc/self/mountinfo", "")
	if err != nil {
		t.Fatal(err)
	}
	return &Cgroups{Sys: f, Layout: l}, f
}

func get(t *testing.T, c *Cgroups, name, file string) string {
	t.Helper()
	v, err := c.Get(name, file)
	if err != nil {
		t.Fatalf("get %s %s: %v", name, file, err)
	}
	return v
}

func set(t *testing.T, c *Cgroups, name, file, value string) {
	t.Helper()
	if err := c.Set(name, file, value); err != nil {
		t.Fatalf("set %s %s %s: %v", name, file, value, err)
	}
}

// The v2 controller files: the first write to a controller's file enables
// it in each ancestor's cgroup.subtree_control (a read does not); v1
// names are translated.
func TestV2ControllerFiles(t *testing.T) {
	c, f := newV2(t)
	made, err := c.Create("alsh/box", nil)
	if err != nil || !slices.Equal(made, []string{"/sys/fs/cgroup/alsh", "/sys/fs/cgroup/alsh/box"}) {
		t.Fatalf("create = %v, %v", made, err)
	}
	if _, err := c.Get("alsh/box", "memory.max"); err == nil || !strings.Contains(err.Error(), "controller memory is not enabled") ||
		f.files["/sys/fs/cgroup/cgroup.subtree_control"] != "" {
		t.Fatalf("a read before any write must not enable memory: %v", err)
	}
	set(t, c, "alsh/box", "memory.max", "16M")
	if f.files["/sys/fs/cgroup/cgroup.subtree_control"] != "memory" || f.files["/sys/fs/cgroup/alsh/cgroup.subtree_control"] != "memory" {
		t.Fatalf("memory not enabled down the chain: %q, %q", f.files["/sys/fs/cgroup/cgroup.subtree_control"], f.files["/sys/fs/cgroup/alsh/cgroup.subtree_control"])
	}
	if v := f.files["/sys/fs/cgroup/alsh/box/memory.max"]; v != "16M" {
		t.Fatalf("memory.max = %q", v)
	}
	set(t, c, "alsh/box", "memory.limit_in_bytes", "-1")
	if v := get(t, c, "alsh/box", "memory.max"); v != "max" {
		t.Fatalf("memory.max after memory.limit_in_bytes -1 = %q", v)
	}
	if v := get(t, c, "alsh/box", "memory.limit_in_bytes"); v != "-1" {
		t.Fatalf("memory.limit_in_bytes read on v2 = %q", v)
	}
	set(t, c, "alsh/box", "cpu.max", "50000 100000")
	set(t, c, "alsh/box", "cpu.cfs_period_us", "200000")
	if v := get(t, c, "alsh/box", "cpu.max"); v != "50000 200000" {
		t.Fatalf("cpu.max after cfs_period_us = %q", v)
	}
	set(t, c, "alsh/box", "cpu.cfs_quota_us", "-1")
	if v := get(t, c, "alsh/box", "cpu.cfs_quota_us"); v != "-1" || f.files["/sys/fs/cgroup/alsh/box/cpu.max"] != "max 200000" {
		t.Fatalf("cpu.cfs_quota_us = %q, cpu.max %q", v, f.files["/sys/fs/cgroup/alsh/box/cpu.max"])
	}
	set(t, c, "alsh/box", "pids.max", "10")
	set(t, c, "alsh/box", "cpuset.cpus", "0")
	set(t, c, "alsh/box", "cpuset.mems", "0")
	if v := get(t, c, "alsh/box", "pids.max") + get(t, c, "alsh/box", "cpuset.cpus"); v != "100" {
		t.Fatalf("pids.max, cpuset.cpus = %q", v)
	}
	set(t, c, "alsh/box", "freezer.state", "FROZEN")
	if v := get(t, c, "alsh/box", "cgroup.freeze"); v != "1" {
		t.Fatalf("cgroup.freeze after freezer.state FROZEN = %q", v)
	}
	if err := c.Add("alsh/box", 42); err != nil {
		t.Fatal(err)
	}
	if pids, err := c.Procs("alsh/box"); err != nil || !slices.Equal(pids, []int{42}) {
		t.Fatalf("procs = %v, %v", pids, err)
	}
	if err := c.Delete("alsh/box"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.dirs["/sys/fs/cgroup/alsh/box"]; ok || len(f.killed) != 0 || !slices.Contains(f.written, "/sys/fs/cgroup/alsh/box/cgroup.kill=1") {
		t.Fatalf("delete on v2 must write cgroup.kill and rmdir: dirs %v, killed %v", f.dirs, f.killed)
	}
	if err := c.Delete("alsh"); err != nil {
		t.Fatal(err)
	}
}

// A v2 cgroup with processes cannot enable controllers for its children:
// the error says so and names the file.
func TestV2EnableInBusyParent(t *testing.T) {
	c, _ := newV2(t)
	if _, err := c.Create("busy/child", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Add("busy", 7); err != nil {
		t.Fatal(err)
	}
	err := c.Set("busy/child", "pids.max", "5")
	if !errors.Is(err, syscall.EBUSY) || !strings.Contains(err.Error(), "/sys/fs/cgroup/busy/cgroup.subtree_control") {
		t.Fatalf("set in a child of a busy cgroup: %v", err)
	}
}

// Bad names: unknown files (with the names that exist), unmappable ones,
// unknown controllers, paths that are not plain.
func TestBadNames(t *testing.T) {
	c, _ := newV2(t)
	if _, err := c.Create("box", nil); err != nil {
		t.Fatal(err)
	}
	var unknown *UnknownFileError
	if err := c.Set("box", "memory.maxx", "1"); !errors.As(err, &unknown) || !slices.Contains(unknown.Known, "memory.max") {
		t.Fatalf("memory.maxx: %v", err)
	}
	var unmappable *UnmappableError
	if err := c.Set("box", "memory.memsw.limit_in_bytes", "1"); !errors.As(err, &unmappable) || !strings.Contains(err.Error(), "v2: v2 cpuset, cpu, memory, pids at /sys/fs/cgroup") {
		t.Fatalf("memory.memsw.limit_in_bytes on v2: %v", err)
	}
	var ctrl *UnknownControllerError
	if err := c.Set("box", "hugetlb.2MB.max", "1"); !errors.As(err, &ctrl) || ctrl.Controller != "hugetlb" {
		t.Fatalf("hugetlb on a host without it: %v", err)
	}
	if _, err := c.Create("x", []string{"memry"}); !errors.As(err, &ctrl) || !slices.Contains(ctrl.Known, "memory") {
		t.Fatalf("create with controller memry: %v", err)
	}
	for _, name := range []string{"", "/abs", "a/../b", "a//b"} {
		if _, err := c.Create(name, nil); !errors.Is(err, ErrBadName) {
			t.Errorf("create %q: %v", name, err)
		}
	}
	if err := c.Set("box", "../x", "1"); !errors.Is(err, ErrBadName) {
		t.Errorf("file ../x: %v", err)
	}
	if _, err := c.Create("box", nil); !errors.Is(err, syscall.EEXIST) {
		t.Errorf("create twice: %v, want eexist", err)
	}
	if _, err := c.Get("nobox", "pids.max"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("get in a missing cgroup: %v", err)
	}
}

// v1: a cgroup is a directory per hierarchy; v2 names are translated;
// cpuset inherits its parent's cpus and mems; delete kills each process.
func TestV1Mapping(t *testing.T) {
	c, f := newV1(t)
	made, err := c.Create("box", []string{"memory", "cpuset", "cpu", "freezer"})
	if err != nil || len(made) != 4 {
		t.Fatalf("create = %v, %v", made, err)
	}
	if f.files["/sys/fs/cgroup/cpuset/box/cpuset.cpus"] != "0-1" || f.files["/sys/fs/cgroup/cpuset/box/cpuset.mems"] != "0" {
		t.Fatal("cpuset did not inherit its parent's cpus and mems")
	}
	if v := get(t, c, "box", "memory.max"); v != "max" {
		t.Fatalf("memory.max of a new v1 cgroup = %q", v)
	}
	set(t, c, "box", "memory.max", "16M")
	if v := f.files["/sys/fs/cgroup/memory/box/memory.limit_in_bytes"]; v != "16M" {
		t.Fatalf("memory.limit_in_bytes = %q", v)
	}
	set(t, c, "box", "cpu.max", "25000 50000")
	if q, p := f.files["/sys/fs/cgroup/cpu/box/cpu.cfs_quota_us"], f.files["/sys/fs/cgroup/cpu/box/cpu.cfs_period_us"]; q != "25000" || p != "50000" {
		t.Fatalf("cfs quota %q, period %q", q, p)
	}
	set(t, c, "box", "cpu.max", "max")
	if v := get(t, c, "box", "cpu.max"); v != "max 50000" {
		t.Fatalf("cpu.max = %q", v)
	}
	set(t, c, "box", "cgroup.freeze", "1")
	if v := f.files["/sys/fs/cgroup/freezer/box/freezer.state"]; v != "FROZEN" {
		t.Fatalf("freezer.state = %q", v)
	}
	if err := c.Set("box", "cgroup.freeze", "2"); err == nil || !strings.Contains(err.Error(), "0 or 1") {
		t.Fatalf("cgroup.freeze 2: %v", err)
	}
	var unmappable *UnmappableError
	if err := c.Set("box", "cgroup.kill", "1"); !errors.As(err, &unmappable) {
		t.Fatalf("cgroup.kill on v1: %v", err)
	}
	if err := c.Set("box", "memory.swap.max", "0"); !errors.As(err, &unmappable) || !strings.Contains(err.Error(), "v1: v1 cpu, cpuset, memory, pids, freezer under /sys/fs/cgroup") {
		t.Fatalf("memory.swap.max on v1: %v", err)
	}
	if err := c.Add("box", 42); err != nil {
		t.Fatal(err)
	}
	if pids, _ := c.Procs("box"); !slices.Equal(pids, []int{42}) {
		t.Fatalf("procs = %v", pids)
	}
	if _, err := c.Create("box/sub", []string{"memory"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Add("box/sub", 43); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("box"); err != nil {
		t.Fatal(err)
	}
	slices.Sort(f.killed)
	if !slices.Equal(slices.Compact(f.killed), []int{42, 43}) || len(f.dirs) != 5 {
		t.Fatalf("delete on v1: killed %v, dirs left %v", f.killed, f.dirs)
	}
	if !slices.Contains(f.written, "/sys/fs/cgroup/freezer/box/freezer.state=THAWED") {
		t.Fatalf("delete did not thaw the frozen cgroup: wrote %v", f.written)
	}
}

// A cgroup that holds the calling process is not deleted.
func TestDeleteRefusesSelf(t *testing.T) {
	c, f := newV1(t)
	if _, err := c.Create("mine", []string{"pids"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Add("mine", f.self); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("mine"); err == nil || !strings.Contains(err.Error(), "calling process") || len(f.killed) != 0 {
		t.Fatalf("delete of our own cgroup: %v (killed %v)", err, f.killed)
	}
}
