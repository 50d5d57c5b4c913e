package engine_test

import (
	"errors"
	"fmt"
	"github.com/alsh/alsh/engine/internal/testutil"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// cgroupLayout is the root node's cgroup_layout: hierarchy mount by
// controller ("" for v2's own), and the layout's kind.
func cgroupLayout(s *sc) (map[string]string, string) {
	s.t.Helper()
	r := s.call(nil, "cgroup_layout").(builtins.Record)
	mounts := map[string]string{}
	for _, h := range r["hierarchies"].([]any) {
		h := h.(builtins.Record)
		if h["version"] == int64(2) {
			mounts[""] = h["mount"].(string)
		}
		for _, c := range h["controllers"].([]any) {
			mounts[c.(string)] = h["mount"].(string)
		}
	}
	return mounts, r["layout"].(string)
}

// testCgroup creates a cgroup of a unique name in the hierarchies of
// controllers (all when none) through the root node, and deletes it when
// the test ends, failing the test if that does not work.
func testCgroup(s *sc, controllers ...string) string {
	s.t.Helper()
	name := fmt.Sprintf("alsh-test-%d-%s", os.Getpid(), strings.ReplaceAll(s.t.Name(), "/", "-"))
	args := []any{name}
	if len(controllers) > 0 {
		args = append(args, strList(controllers...))
	}
	s.call(nil, "cgroup_create", args...)
	s.t.Cleanup(func() {
		if _, err := s.e.Call(s.ctx, nil, "cgroup_delete", []any{name}); err != nil {
			s.t.Errorf("cgroup %s left behind: %v", name, err)
		}
	})
	return name
}

func readTrim(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// A program in a 16 MiB memory cgroup that touches 64 MiB is killed by
// the kernel's OOM killer; without the cgroup the same program succeeds.
// The limit is set with the v2 name memory.max, whatever the host's
// version (this machine keeps memory on v1).
func TestCgroupMemoryLimitKills(t *testing.T) {
	testutil.RequirePrivileged(t)
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Fatal("no /bin/busybox: apt-get install busybox-static")
	}
	s := startSC(t)
	mounts, _ := cgroupLayout(s)
	name := testCgroup(s, "memory")
	s.call(nil, "cgroup_set", name, "memory.max", "16M")
	if got := s.call(nil, "cgroup_get", name, "memory.max"); got != "16777216" {
		t.Fatalf("memory.max reads %s", builtins.Format(got))
	}
	if mounts["memory"] != mounts[""] { // memory on v1: the v1 file holds the limit
		if v := readTrim(t, mounts["memory"]+"/"+name+"/memory.limit_in_bytes"); v != "16777216" {
			t.Fatalf("the host sees memory.limit_in_bytes %s", v)
		}
	}
	dd := strList("busybox", "dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")

	free := s.fork(nil)
	s.call(free, "execvp", "/bin/busybox", dd)
	if ev := builtins.Format(s.call(free, "event", int64(10000))); ev != "{exit_status: 0}" {
		t.Fatalf("dd of 64 MiB outside the cgroup: %s", ev)
	}

	c := s.fork(nil)
	s.call(nil, "cgroup_add", name, int64(leafPid(c)))
	if pids := builtins.Format(s.call(nil, "cgroup_procs", name)); pids != fmt.Sprintf("[%d]", leafPid(c)) {
		t.Fatalf("cgroup_procs = %s, want [%d]", pids, leafPid(c))
	}
	if cg := readTrim(t, fmt.Sprintf("/proc/%d/cgroup", leafPid(c))); !strings.Contains(cg, "memory:/"+name+"\n") && !strings.HasSuffix(cg, "::/"+name) {
		t.Fatalf("/proc/PID/cgroup of the child:\n%s", cg)
	}
	s.call(c, "execvp", "/bin/busybox", dd)
	if ev := builtins.Format(s.call(c, "event", int64(10000))); ev != `{termsig: "sigkill"}` {
		t.Fatalf("dd of 64 MiB in a 16 MiB cgroup: %s, want the OOM killer's sigkill", ev)
	}
}

// The v2 core files on the host's cgroup2 hierarchy (on this hybrid
// machine, /sys/fs/cgroup/unified, which has no memory controller):
// cgroup.procs, cgroup.freeze, cgroup.max.descendants and cgroup.kill,
// each checked on the host or by the program's behaviour.
func TestCgroupV2CoreFiles(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	mounts, _ := cgroupLayout(s)
	v2 := mounts[""]
	if v2 == "" {
		t.Skip("no cgroup2 hierarchy mounted")
	}
	name := testCgroup(s)
	dir := v2 + "/" + name

	c := s.fork(nil)
	s.call(nil, "cgroup_add", name, int64(leafPid(c)))
	if got := readTrim(t, dir+"/cgroup.procs"); got != fmt.Sprint(leafPid(c)) {
		t.Fatalf("%s/cgroup.procs = %q, want %d", dir, got, leafPid(c))
	}
	s.call(c, "execvp", "/bin/cat", strList("cat"))

	s.call(nil, "cgroup_set", name, "cgroup.freeze", int64(1))
	waitFor(t, dir+"/cgroup.events", "frozen 1")
	s.call(c, "stdin", "while frozen\n")
	if out := s.call(c, "stdout", int64(200)); out != "" {
		t.Fatalf("a frozen cat echoed %q", out)
	}
	s.call(nil, "cgroup_set", name, "cgroup.freeze", "0")
	if out := s.call(c, "stdout", int64(5000)); out != "while frozen\n" {
		t.Fatalf("cat after thawing: %q", out)
	}

	s.call(nil, "cgroup_set", name, "cgroup.max.descendants", "0")
	err := s.fails(nil, "cgroup_create", name+"/sub")
	if !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("a child past cgroup.max.descendants 0: %v, want eagain", err)
	}
	for ctrl, m := range mounts {
		if _, err := os.Stat(m + "/" + name + "/sub"); err == nil {
			t.Errorf("the failed create left %s/%s/sub (%s)", m, name, ctrl)
		}
	}

	s.call(nil, "cgroup_set", name, "cgroup.kill", "1")
	if ev := builtins.Format(s.call(c, "event", int64(5000))); ev != `{termsig: "sigkill"}` {
		t.Fatalf("cat after cgroup.kill: %s", ev)
	}
	if pids := s.call(nil, "cgroup_procs", name); len(pids.([]any)) != 0 {
		t.Fatalf("cgroup_procs after cgroup.kill = %s", builtins.Format(pids))
	}
}

// A v2 controller on the host's cgroup2 hierarchy (on this hybrid
// machine, hugetlb is the only one there): the first write to one of its
// files enables it in the parent's cgroup.subtree_control, and the value
// lands in the cgroup's file. The fake tree of builtins/cgroupfs covers
// the controllers this host keeps on v1 (memory, pids, cpu).
func TestCgroupV2ControllerEnabledAtFirstWrite(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	mounts, _ := cgroupLayout(s)
	v2 := mounts[""]
	if v2 == "" || mounts["hugetlb"] != v2 {
		t.Skip("no hugetlb controller on a cgroup2 hierarchy here")
	}
	sizes, _ := filepath.Glob("/sys/kernel/mm/hugepages/hugepages-2048kB")
	if len(sizes) == 0 {
		t.Skip("no 2 MB huge pages here")
	}
	control := v2 + "/cgroup.subtree_control"
	if before := readTrim(t, control); !slices.Contains(strings.Fields(before), "hugetlb") {
		t.Cleanup(func() { // leave the host's root as it was
			if err := os.WriteFile(control, []byte("-hugetlb"), 0); err != nil {
				t.Errorf("disabling hugetlb again in %s: %v", control, err)
			}
		})
	}
	name := testCgroup(s, "hugetlb")
	s.call(nil, "cgroup_set", name, "hugetlb.2MB.max", "4M")
	if got := readTrim(t, v2+"/"+name+"/hugetlb.2MB.max"); got != "4194304" {
		t.Fatalf("%s/%s/hugetlb.2MB.max = %q, want 4194304", v2, name, got)
	}
	if !slices.Contains(strings.Fields(readTrim(t, control)), "hugetlb") {
		t.Fatalf("%s = %q: hugetlb not enabled", control, readTrim(t, control))
	}
	if got := s.call(nil, "cgroup_get", name, "hugetlb.2MB.max"); got != "4194304" {
		t.Fatalf("cgroup_get hugetlb.2MB.max = %s", builtins.Format(got))
	}
}

// waitFor waits until a file holds a line.
func waitFor(t *testing.T, path, line string) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if strings.Contains("\n"+readTrim(t, path)+"\n", "\n"+line+"\n") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never showed %q:\n%s", path, line, readTrim(t, path))
}

// cgroup_delete kills what runs in the cgroup (in every hierarchy, v1
// ones by SIGKILL to each process) and removes its directories, child
// cgroups first.
func TestCgroupDeleteKillsAndRemoves(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	mounts, _ := cgroupLayout(s)
	name := fmt.Sprintf("alsh-test-%d-delete", os.Getpid())
	made := s.call(nil, "cgroup_create", name+"/inner").([]any)
	if len(made) < 2 {
		t.Fatalf("cgroup_create made %s", builtins.Format(made))
	}
	a, b := s.fork(nil), s.fork(nil)
	s.call(nil, "cgroup_add", name, int64(leafPid(a)))
	s.call(nil, "cgroup_add", name+"/inner", int64(leafPid(b)))
	s.call(a, "execvp", "/bin/sleep", strList("sleep", "100"))
	s.call(b, "execvp", "/bin/sleep", strList("sleep", "100"))
	s.call(nil, "cgroup_delete", name)
	for _, p := range [][]int{a, b} {
		if ev := builtins.Format(s.call(p, "event", int64(5000))); ev != `{termsig: "sigkill"}` {
			t.Fatalf("sleep in a deleted cgroup: %s", ev)
		}
	}
	for _, m := range mounts {
		if _, err := os.Stat(m + "/" + name); err == nil {
			t.Errorf("%s/%s still there", m, name)
		}
	}
	err := s.fails(nil, "cgroup_delete", name)
	if !errors.Is(err, os.ErrNotExist) && !strings.Contains(err.Error(), "no cgroup") {
		t.Fatalf("deleting it again: %v", err)
	}
}

// A node does not delete the cgroup it is in (which would kill it): the
// call is refused, naming why, and the node and the cgroup live on.
func TestCgroupDeleteRefusesItsCaller(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	mounts, _ := cgroupLayout(s)
	name := testCgroup(s, "pids")
	c := s.fork(nil)
	s.call(nil, "cgroup_add", name, int64(leafPid(c)))
	err := s.fails(c, "cgroup_delete", name)
	if !strings.Contains(err.Error(), "holds the calling process") {
		t.Fatalf("cgroup_delete by a node inside: %v", err)
	}
	if got := s.call(c, "getpid"); got != int64(leafPid(c)) {
		t.Fatalf("the node after its refused delete: getpid = %v", got)
	}
	if _, err := os.Stat(mounts["pids"] + "/" + name); err != nil {
		t.Fatalf("the cgroup after the refused delete: %v", err)
	}
}

// Bad names are errors that name the word and suggest the nearest.
func TestCgroupBadNames(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	name := testCgroup(s, "memory", "pids")
	for _, tc := range []struct {
		file, want string
	}{
		{"memory.maxx", "did you mean memory.max"},
		{"memry.max", "no cgroup controller memry on this host"},
		{"pids.mx", "did you mean pids.max"},
		{"../../etc/passwd", `file "../../etc/passwd"`},
	} {
		err := s.fails(nil, "cgroup_set", name, tc.file, "1")
		if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "argument 2 (file)") {
			t.Errorf("cgroup_set %s: %v, want %q", tc.file, err, tc.want)
		}
	}
	if err := s.fails(nil, "cgroup_create", "x", strList("memroy")); !strings.Contains(err.Error(), "did you mean memory") {
		t.Errorf("cgroup_create with controller memroy: %v", err)
	}
	if err := s.fails(nil, "cgroup_create", "/abs"); !strings.Contains(err.Error(), "argument 1 (name)") {
		t.Errorf("cgroup_create /abs: %v", err)
	}
	if err := s.fails(nil, "cgroup_set", name, "pids.max", strList("x")); !strings.Contains(err.Error(), "argument 3 (value)") {
		t.Errorf("cgroup_set with a list value: %v", err)
	}
}

// Creating a cgroup that exists fails with eexist, as mkdir does, and
// leaves the cgroup as it was.
func TestCgroupCreateExistingIsEexist(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	name := testCgroup(s, "pids")
	s.call(nil, "cgroup_set", name, "pids.max", "7")
	err := s.fails(nil, "cgroup_create", name, strList("pids"))
	if !errors.Is(err, unix.EEXIST) {
		t.Fatalf("cgroup_create of an existing cgroup: %v, want eexist", err)
	}
	if got := s.call(nil, "cgroup_get", name, "pids.max"); got != "7" {
		t.Fatalf("pids.max after the failed create: %s", builtins.Format(got))
	}
}

// cgroup_add by pipeline: the root names its grandchild [$c $g], where
// $c is pid 1 of a new pid namespace and $g is the pid $c sees; the root
// writes the grandchild's pid as the root sees it.
func TestCgroupAddByPipeline(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	name := testCgroup(s, "pids")
	c := s.clone(nil, "clone_newpid")
	g := s.fork(c)
	s.call(nil, "cgroup_add", name, intList(g))
	procs := s.call(nil, "cgroup_procs", name).([]any)
	if len(procs) != 1 {
		t.Fatalf("cgroup_procs = %s", builtins.Format(procs))
	}
	host := int(procs[0].(int64))
	if ns := procStatus(t, host, "NSpid"); len(ns) != 2 || ns[1] != fmt.Sprint(leafPid(g)) {
		t.Fatalf("the pid in the cgroup, %d, has NSpid %v: not the grandchild", host, ns)
	}
	if cg := readTrim(t, fmt.Sprintf("/proc/%d/cgroup", host)); !strings.Contains(cg, ":pids:/"+name) && !strings.Contains(cg, "::/"+name) {
		t.Fatalf("/proc/%d/cgroup:\n%s", host, cg)
	}
	err := s.fails(nil, "cgroup_add", name, intList([]int{leafPid(c), 99}))
	if !strings.Contains(err.Error(), "has no child 99") || !strings.Contains(err.Error(), "argument 2 (process)") {
		t.Fatalf("a pipeline to no process: %v", err)
	}
}

func intList(pl []int) []any {
	out := make([]any, len(pl))
	for i, p := range pl {
		out[i] = int64(p)
	}
	return out
}

// The v2 names on v1 hierarchies, checked in the v1 files on the host:
// cpu.max is cpu.cfs_quota_us and cpu.cfs_period_us, memory.max "max" is
// memory.limit_in_bytes -1, cgroup.freeze is freezer.state (and freezes:
// a frozen cat echoes nothing until thawed).
func TestCgroupV2NamesOnV1(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	mounts, _ := cgroupLayout(s)
	for _, ctrl := range []string{"cpu", "memory", "freezer"} {
		if mounts[ctrl] == "" || mounts[ctrl] == mounts[""] {
			t.Skipf("%s is not on a v1 hierarchy here", ctrl)
		}
	}
	name := testCgroup(s, "cpu", "memory", "freezer")
	host := func(ctrl, file string) string { return readTrim(t, mounts[ctrl]+"/"+name+"/"+file) }

	s.call(nil, "cgroup_set", name, "cpu.max", "50000 200000")
	if q, p := host("cpu", "cpu.cfs_quota_us"), host("cpu", "cpu.cfs_period_us"); q != "50000" || p != "200000" {
		t.Fatalf("cpu.max 50000 200000: quota %s, period %s", q, p)
	}
	s.call(nil, "cgroup_set", name, "cpu.max", "max")
	if got := s.call(nil, "cgroup_get", name, "cpu.max"); got != "max 200000" || host("cpu", "cpu.cfs_quota_us") != "-1" {
		t.Fatalf("cpu.max after max: %s, quota %s", builtins.Format(got), host("cpu", "cpu.cfs_quota_us"))
	}
	s.call(nil, "cgroup_set", name, "memory.max", "8M")
	s.call(nil, "cgroup_set", name, "memory.max", "max")
	if got := s.call(nil, "cgroup_get", name, "memory.max"); got != "max" || host("memory", "memory.limit_in_bytes") != "9223372036854771712" {
		t.Fatalf("memory.max after max: %s, limit_in_bytes %s", builtins.Format(got), host("memory", "memory.limit_in_bytes"))
	}

	c := s.fork(nil)
	s.call(nil, "cgroup_add", name, int64(leafPid(c)))
	s.call(c, "execvp", "/bin/cat", strList("cat"))
	s.call(nil, "cgroup_set", name, "cgroup.freeze", "1")
	waitFor(t, mounts["freezer"]+"/"+name+"/freezer.state", "FROZEN")
	s.call(c, "stdin", "while frozen\n")
	if out := s.call(c, "stdout", int64(200)); out != "" {
		t.Fatalf("a frozen cat echoed %q", out)
	}
	s.call(nil, "cgroup_set", name, "cgroup.freeze", "0")
	if out := s.call(c, "stdout", int64(5000)); out != "while frozen\n" || host("freezer", "freezer.state") != "THAWED" {
		t.Fatalf("cat after thawing: %q, freezer.state %s", out, host("freezer", "freezer.state"))
	}
}

// cgroup_delete of a cgroup frozen by v1's freezer: its processes die
// (they are thawed after the SIGKILL), and the cgroup goes.
func TestCgroupDeleteFrozenV1(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	mounts, _ := cgroupLayout(s)
	if mounts["freezer"] == "" || mounts["freezer"] == mounts[""] {
		t.Skip("no v1 freezer here")
	}
	name := fmt.Sprintf("alsh-test-%d-frozen", os.Getpid())
	s.call(nil, "cgroup_create", name, strList("cpu", "freezer"))
	t.Cleanup(func() { s.e.Call(s.ctx, nil, "cgroup_delete", []any{name}) }) // if the test failed before
	c := s.fork(nil)
	s.call(nil, "cgroup_add", name, int64(leafPid(c)))
	s.call(c, "execvp", "/bin/cat", strList("cat"))
	s.call(nil, "cgroup_set", name, "freezer.state", "FROZEN")
	waitFor(t, mounts["freezer"]+"/"+name+"/freezer.state", "FROZEN")
	s.call(nil, "cgroup_delete", name)
	if ev := builtins.Format(s.call(c, "event", int64(5000))); ev != `{termsig: "sigkill"}` {
		t.Fatalf("cat in a deleted frozen cgroup: %s", ev)
	}
	for _, ctrl := range []string{"cpu", "freezer"} {
		if _, err := os.Stat(mounts[ctrl] + "/" + name); err == nil {
			t.Errorf("%s/%s still there", mounts[ctrl], name)
		}
	}
}

// Each node finds the layout in its own /proc/self/mountinfo: a node in a
// mount namespace without the v1 hierarchies sees a v2-only host, creates
// its cgroups there alone, and is told that memory is not to be had.
func TestCgroupLayoutIsTheNodes(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	mounts, kind := cgroupLayout(s)
	if kind != "hybrid" {
		t.Skipf("needs a hybrid host, this one is %s", kind)
	}
	c := privateMountNS(t, s)
	gone := map[string]bool{mounts[""]: true} // a v1 mount with two controllers is listed twice
	for _, m := range mounts {
		if !gone[m] {
			s.call(c, "umount2", m, consts("mnt_detach"))
			gone[m] = true
		}
	}
	r := s.call(c, "cgroup_layout").(builtins.Record)
	if r["layout"] != "v2" {
		t.Fatalf("the node without v1 mounts sees %s", builtins.Format(r))
	}
	name := fmt.Sprintf("alsh-test-%d-v2only", os.Getpid())
	made := s.call(c, "cgroup_create", name).([]any)
	if builtins.Format(made) != builtins.Format([]any{mounts[""] + "/" + name}) {
		t.Fatalf("cgroup_create in a v2-only view made %s", builtins.Format(made))
	}
	t.Cleanup(func() { s.call(c, "cgroup_delete", name) })
	err := s.fails(c, "cgroup_set", name, "memory.max", "16M")
	if !strings.Contains(err.Error(), "no cgroup controller memory on this host (v2: v2 ") {
		t.Fatalf("memory.max where only v2 is mounted: %v", err)
	}
}
