package cgroupfs

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// access reads and writes one file name of one cgroup version in a
// directory of the other version, translating the values.
type access struct {
	get func(c *Cgroups, dir string) (string, error)
	set func(c *Cgroups, dir, value string) error
}

// onV1 says how to use a v2 name where the controller is on v1; onV2, a
// v1 name where it is on v2. pids.max, cpuset.cpus and cpuset.mems have
// the same name and syntax in both and need no entry. Built at their
// first use (twins), which a node's start is not.
type twinMaps struct{ onV1, onV2 map[string]access }

var twins = sync.OnceValue(func() twinMaps {
	return twinMaps{
		onV1: map[string]access{
			"memory.max":    translated("memory.limit_in_bytes", memoryToV1, memoryToV2),
			"cpu.max":       {getCPUMaxV1, setCPUMaxV1},
			"cgroup.freeze": translated("freezer.state", freezeToV1, freezeToV2),
		},
		onV2: map[string]access{
			"memory.limit_in_bytes": translated("memory.max", memoryToV2, memoryToV1),
			"cpu.cfs_quota_us":      cpuMaxField(0),
			"cpu.cfs_period_us":     cpuMaxField(1),
			"freezer.state":         translated("cgroup.freeze", freezeToV2, freezeToV1),
		},
	}
})

// unmappable says why a name has no twin in the other version.
func unmappable() map[string]string {
	return map[string]string{
		"memory.swap.max":             "cgroup v1 limits memory and swap together (memory.memsw.limit_in_bytes), not swap alone",
		"memory.memsw.limit_in_bytes": "cgroup v2 limits swap alone (memory.swap.max), not memory and swap together",
		"memory.high":                 "cgroup v1 has no throttling limit",
		"memory.low":                  "cgroup v1 has no memory protection",
		"memory.min":                  "cgroup v1 has no memory protection",
		"cpu.weight":                  "cgroup v1's cpu.shares uses another scale",
		"cpu.shares":                  "cgroup v2's cpu.weight uses another scale",
		"cgroup.kill":                 "cgroup v1 has no cgroup.kill (cgroup_delete kills the processes one by one)",
		"cgroup.max.descendants":      "cgroup v1 has no limit on descendants",
		"cgroup.max.depth":            "cgroup v1 has no limit on depth",
		"cgroup.events":               "cgroup v1 has no cgroup.events",
		"cgroup.subtree_control":      "cgroup v1 binds controllers at mount time",
		"tasks":                       "cgroup v2 lists processes in cgroup.procs, threads in cgroup.threads",
	}
}

// translated uses file other in place of the name asked for, converting
// values written (to) and read (from).
func translated(other string, to, from func(string) (string, error)) access {
	return access{
		get: func(c *Cgroups, dir string) (string, error) {
			v, err := c.read(dir + "/" + other)
			if err != nil {
				return "", err
			}
			return from(v)
		},
		set: func(c *Cgroups, dir, value string) error {
			v, err := to(value)
			if err != nil {
				return err
			}
			return c.Sys.WriteFile(dir+"/"+other, v)
		},
	}
}

// v1Unlimited: cgroup v1 shows "no memory limit" as the largest page
// counter in bytes (9223372036854771712 with 4 KiB pages).
const v1Unlimited = 1 << 62

func memoryToV1(v string) (string, error) {
	if v == "max" {
		return "-1", nil
	}
	return v, nil
}

func memoryToV2(v string) (string, error) {
	if v == "-1" {
		return "max", nil
	}
	if n, err := strconv.ParseUint(v, 10, 64); err == nil && n >= v1Unlimited {
		return "max", nil
	}
	return v, nil
}

func freezeToV1(v string) (string, error) {
	switch v {
	case "1":
		return "FROZEN", nil
	case "0":
		return "THAWED", nil
	}
	return "", fmt.Errorf("cgroup.freeze takes 0 or 1, not %q", v)
}

func freezeToV2(v string) (string, error) {
	switch v {
	case "FROZEN", "FREEZING":
		return "1", nil
	case "THAWED":
		return "0", nil
	}
	return "", fmt.Errorf("freezer.state takes FROZEN or THAWED, not %q", v)
}

// cpu.max is "QUOTA PERIOD" (QUOTA max when unlimited, PERIOD optional
// when written); v1 keeps them apart, with -1 for no quota.
func getCPUMaxV1(c *Cgroups, dir string) (string, error) {
	quota, err := c.read(dir + "/cpu.cfs_quota_us")
	if err != nil {
		return "", err
	}
	period, err := c.read(dir + "/cpu.cfs_period_us")
	if err != nil {
		return "", err
	}
	if quota == "-1" {
		quota = "max"
	}
	return quota + " " + period, nil
}

func setCPUMaxV1(c *Cgroups, dir, value string) error {
	f := strings.Fields(value)
	if len(f) < 1 || len(f) > 2 {
		return fmt.Errorf("cpu.max takes \"QUOTA [PERIOD]\" (QUOTA max for none), not %q", value)
	}
	if len(f) == 2 {
		if err := c.Sys.WriteFile(dir+"/cpu.cfs_period_us", f[1]); err != nil {
			return err
		}
	}
	quota := f[0]
	if quota == "max" {
		quota = "-1"
	}
	return c.Sys.WriteFile(dir+"/cpu.cfs_quota_us", quota)
}

// cpuMaxField reads or writes one field of v2's cpu.max as v1's
// cpu.cfs_quota_us (0) or cpu.cfs_period_us (1), keeping the other.
func cpuMaxField(i int) access {
	fields := func(c *Cgroups, dir string) ([]string, error) {
		v, err := c.read(dir + "/cpu.max")
		if err != nil {
			return nil, err
		}
		f := strings.Fields(v)
		if len(f) != 2 {
			return nil, fmt.Errorf("%s/cpu.max: unexpected %q", dir, v)
		}
		return f, nil
	}
	return access{
		get: func(c *Cgroups, dir string) (string, error) {
			f, err := fields(c, dir)
			if err != nil {
				return "", err
			}
			if f[i] == "max" {
				return "-1", nil
			}
			return f[i], nil
		},
		set: func(c *Cgroups, dir, value string) error {
			f, err := fields(c, dir)
			if err != nil {
				return err
			}
			if value == "-1" && i == 0 {
				value = "max"
			}
			f[i] = value
			return c.Sys.WriteFile(dir+"/cpu.max", f[0]+" "+f[1])
		},
	}
}

func (c *Cgroups) read(path string) (string, error) {
	b, err := c.Sys.ReadFile(path)
	return strings.TrimRight(string(b), "\n"), err
}

// target is where a file name of a cgroup resolves to.
type target struct {
	dir, file string
	via       *access // nil: the file itself
}

// Get reads a controller or core file of cgroup name, in the syntax of
// the version the name belongs to.
func (c *Cgroups) Get(name, file string) (string, error) {
	t, err := c.resolve(name, file, false)
	if err != nil {
		return "", err
	}
	if t.via != nil {
		return t.via.get(c, t.dir)
	}
	return c.read(t.dir + "/" + t.file)
}

// Set writes a controller or core file of cgroup name. On v2, the first
// write to a controller's file enables the controller for the cgroup.
func (c *Cgroups) Set(name, file, value string) error {
	t, err := c.resolve(name, file, true)
	if err != nil {
		return err
	}
	if t.via != nil {
		return t.via.set(c, t.dir, value)
	}
	return c.Sys.WriteFile(t.dir+"/"+t.file, value)
}

// controllerOf is the controller a file name belongs to ("cgroup" for
// core files, "" for v1's tasks and the like).
func controllerOf(file string) string {
	ctrl, _, found := strings.Cut(file, ".")
	if !found {
		return ""
	}
	return ctrl
}

// resolve finds where a file of cgroup name is; enable lets it enable a
// v2 controller that the cgroup's parent does not enable yet.
func (c *Cgroups) resolve(name, file string, enable bool) (target, error) {
	if err := checkName("cgroup", name); err != nil {
		return target{}, err
	}
	if file == "" || strings.ContainsRune(file, '/') || file == "." || file == ".." {
		return target{}, &BadNameError{"file", file, "want a file name such as memory.max"}
	}
	h, err := c.hierarchyOf(name, file)
	if err != nil {
		return target{}, err
	}
	dir := h.Dir(name)
	if !c.exists(dir) {
		return target{}, fmt.Errorf("no cgroup %s in %s (%s): %w", name, h.Mount, c.Layout, syscall.ENOENT)
	}
	if c.hasFile(dir, file) {
		return target{dir: dir, file: file}, nil
	}
	if a, ok := twinOn(h.Version, file); ok {
		return target{dir: dir, file: file, via: &a}, nil
	}
	if ctrl := controllerOf(file); h.Version == 2 && h.has(ctrl) && !enable {
		return target{}, fmt.Errorf("controller %s is not enabled for cgroup %s: writing one of its files enables it (in the ancestors' cgroup.subtree_control): %w", ctrl, name, syscall.ENOENT)
	}
	if h.Version == 2 && h.has(controllerOf(file)) {
		if err := c.enableV2(h, name, controllerOf(file)); err != nil {
			return target{}, err
		}
		if c.hasFile(dir, file) {
			return target{dir: dir, file: file}, nil
		}
	}
	return target{}, c.missing(h, dir, file)
}

func twinOn(version int, file string) (access, bool) {
	if version == 1 {
		a, ok := twins().onV1[file]
		return a, ok
	}
	a, ok := twins().onV2[file]
	return a, ok
}

func (c *Cgroups) hasFile(dir, file string) bool { return c.Sys.Exists(dir + "/" + file) }

// hierarchyOf picks the hierarchy a file of cgroup name lives in: its
// controller's; for core files v2 when the cgroup is there, else the
// first v1 hierarchy that has the cgroup.
func (c *Cgroups) hierarchyOf(name, file string) (*Hierarchy, error) {
	ctrl := controllerOf(file)
	if file == "cgroup.freeze" && (c.Layout.V2() == nil || !c.exists(c.Layout.V2().Dir(name))) {
		ctrl = "freezer" // v1's freezer.state stands in
	}
	if file == "freezer.state" && c.Layout.ForController("freezer") == nil {
		ctrl = "cgroup"
	}
	if ctrl != "cgroup" && ctrl != "" {
		if h := c.Layout.ForController(ctrl); h != nil {
			return h, nil
		}
		return nil, &UnknownControllerError{Controller: ctrl, Known: c.Layout.Controllers(), Layout: c.Layout.String()}
	}
	if v2 := c.Layout.V2(); v2 != nil && ctrl == "cgroup" && c.exists(v2.Dir(name)) {
		return v2, nil
	}
	for i := range c.Layout.Hierarchies {
		if h := &c.Layout.Hierarchies[i]; h.Version == 1 && c.exists(h.Dir(name)) {
			return h, nil
		}
	}
	if v2 := c.Layout.V2(); v2 != nil {
		return v2, nil
	}
	return nil, fmt.Errorf("no cgroup %s in any hierarchy (%s): %w", name, c.Layout, syscall.ENOENT)
}

// enableV2 enables a controller for cgroup name: in the
// cgroup.subtree_control of each of its ancestors, from the root down.
func (c *Cgroups) enableV2(h *Hierarchy, name, ctrl string) error {
	parts := strings.Split(name, "/")
	for i := range parts {
		path := h.Dir(strings.Join(parts[:i], "/")) + "/cgroup.subtree_control"
		on, err := c.read(path)
		if err != nil {
			return err
		}
		if slices.Contains(strings.Fields(on), ctrl) {
			continue
		}
		if err := c.Sys.WriteFile(path, "+"+ctrl); errors.Is(err, syscall.EBUSY) {
			return fmt.Errorf("enabling controller %s in %s: a v2 cgroup with processes cannot enable controllers for its children: %w", ctrl, path, err)
		} else if err != nil {
			return fmt.Errorf("enabling controller %s in %s: %w", ctrl, path, err)
		}
	}
	return nil
}

// missing builds the error for a file absent from dir.
func (c *Cgroups) missing(h *Hierarchy, dir, file string) error {
	if why, ok := unmappable()[file]; ok {
		return &UnmappableError{File: file, Reason: why, Layout: c.Layout.String()}
	}
	entries, _ := c.Sys.ReadDir(dir)
	var known []string
	for _, e := range entries {
		if !e.Dir {
			known = append(known, e.Name)
		}
	}
	names := twins().onV2
	if h.Version == 1 {
		names = twins().onV1
	}
	for n := range names {
		known = append(known, n)
	}
	slices.Sort(known)
	return &UnknownFileError{File: file, Dir: dir, Version: h.Version, Known: known, Layout: c.Layout.String()}
}
