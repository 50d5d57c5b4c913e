package cgroupfs

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// System is what the operations need of the kernel. Paths are absolute.
type System interface {
	ReadFile(path string) ([]byte, error)
	// WriteFile writes data to an existing file in one write(2), as
	// cgroupfs wants: no create, no truncate.
	WriteFile(path, data string) error
	Mkdir(path string) error
	Rmdir(path string) error
	ReadDir(path string) ([]Entry, error)
	// Exists says whether a file or directory is there (a stat: reading
	// a directory of cgroupfs costs fifty times more).
	Exists(path string) bool
	Kill(pid int) error // SIGKILL
	Sleep(d time.Duration)
	Getpid() int
}

// Entry is one name in a directory.
type Entry struct {
	Name string
	Dir  bool
}

// Cgroups operates on cgroups by name: a name ("alsh/box") is a path
// relative to each hierarchy's mount, and a cgroup is its directories in
// the hierarchies it was created in.
type Cgroups struct {
	Sys    System
	Layout *Layout
}

// ErrBadName: a cgroup or file name that is not a plain relative path.
var ErrBadName = errors.New("bad cgroup name")

// BadNameError says which name (Kind "cgroup" or "file") was refused.
type BadNameError struct {
	Kind, Name, Why string
}

func (e *BadNameError) Error() string {
	return fmt.Sprintf("%s %q: %s", e.Kind, e.Name, e.Why)
}

func (e *BadNameError) Is(target error) bool { return target == ErrBadName }

// UnknownControllerError: a controller the host's layout does not have.
type UnknownControllerError struct {
	Controller string
	Known      []string
	Layout     string
}

func (e *UnknownControllerError) Error() string {
	return fmt.Sprintf("no cgroup controller %s on this host (%s)", e.Controller, e.Layout)
}

// UnknownFileError: a file the cgroup's directory does not have; Known
// lists the names that would have worked there.
type UnknownFileError struct {
	File, Dir string
	Version   int
	Known     []string
	Layout    string
}

func (e *UnknownFileError) Error() string {
	return fmt.Sprintf("no file %s in %s (cgroup v%d; %s)", e.File, e.Dir, e.Version, e.Layout)
}

// UnmappableError: a file of one cgroup version that has no equivalent
// where the host keeps its controller.
type UnmappableError struct {
	File, Reason, Layout string
}

func (e *UnmappableError) Error() string {
	return fmt.Sprintf("%s has no equivalent on this host: %s (%s)", e.File, e.Reason, e.Layout)
}

// checkName refuses names that are not plain relative paths.
func checkName(kind, name string) error {
	if name == "" || strings.HasPrefix(name, "/") {
		return &BadNameError{kind, name, "want a path relative to the hierarchy's root, such as \"alsh/box\""}
	}
	for _, c := range strings.Split(name, "/") {
		if c == "" || c == "." || c == ".." {
			return &BadNameError{kind, name, "empty, . and .. components are refused"}
		}
	}
	return nil
}

func (c *Cgroups) exists(dir string) bool { return c.Sys.Exists(dir) }

// hierarchiesFor returns the hierarchies holding controllers, or every
// hierarchy with a controller (and v2) when controllers is empty.
func (c *Cgroups) hierarchiesFor(controllers []string) ([]*Hierarchy, error) {
	var out []*Hierarchy
	add := func(h *Hierarchy) {
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	if len(controllers) == 0 {
		for i := range c.Layout.Hierarchies {
			add(&c.Layout.Hierarchies[i])
		}
		return out, nil
	}
	for _, name := range controllers {
		h := c.Layout.ForController(name)
		if h == nil {
			return nil, &UnknownControllerError{Controller: name, Known: c.Layout.Controllers(), Layout: c.Layout.String()}
		}
		add(h)
	}
	return out, nil
}

// Create makes cgroup name in the hierarchies of controllers (all when
// empty), parents included, and returns the directories it made. In a
// v1 cpuset hierarchy a new cgroup gets its parent's cpus and mems (the
// kernel leaves them empty, and an empty cpuset takes no process). On
// failure it removes what it made.
func (c *Cgroups) Create(name string, controllers []string) ([]string, error) {
	if err := checkName("cgroup", name); err != nil {
		return nil, err
	}
	hs, err := c.hierarchiesFor(controllers)
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		if dir := h.Dir(name); c.exists(dir) {
			return nil, &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.EEXIST}
		}
	}
	var made []string
	for _, h := range hs {
		dirs, err := c.mkdirAll(h, name)
		made = append(made, dirs...)
		if err != nil {
			for _, d := range slices.Backward(made) {
				c.Sys.Rmdir(d)
			}
			return nil, err
		}
	}
	return made, nil
}

func (c *Cgroups) mkdirAll(h *Hierarchy, name string) ([]string, error) {
	var made []string
	parts := strings.Split(name, "/")
	for i := range parts {
		parent, dir := h.Dir(strings.Join(parts[:i], "/")), h.Dir(strings.Join(parts[:i+1], "/"))
		err := c.Sys.Mkdir(dir)
		if errors.Is(err, fs.ErrExist) && i < len(parts)-1 {
			continue
		}
		if err != nil {
			return made, err
		}
		made = append(made, dir)
		if h.Version == 1 && h.has("cpuset") {
			if err := c.inheritCpuset(parent, dir); err != nil {
				return made, err
			}
		}
	}
	return made, nil
}

func (c *Cgroups) inheritCpuset(parent, dir string) error {
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		own, err := c.Sys.ReadFile(dir + "/" + f)
		if err != nil {
			return err
		}
		if strings.TrimSpace(string(own)) != "" {
			continue
		}
		v, err := c.Sys.ReadFile(parent + "/" + f)
		if err != nil {
			return err
		}
		if err := c.Sys.WriteFile(dir+"/"+f, strings.TrimSpace(string(v))); err != nil {
			return err
		}
	}
	return nil
}

// existing returns the directories of cgroup name, one per hierarchy
// that has it; an error when none has.
func (c *Cgroups) existing(name string) ([]string, error) {
	if err := checkName("cgroup", name); err != nil {
		return nil, err
	}
	var dirs []string
	for i := range c.Layout.Hierarchies {
		h := &c.Layout.Hierarchies[i]
		if dir := h.Dir(name); c.exists(dir) && h.Version == 2 {
			dirs = append([]string{dir}, dirs...) // first: its cgroup.kill ends the processes at once
		} else if c.exists(dir) {
			dirs = append(dirs, dir)
		}
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("no cgroup %s in any hierarchy (%s): %w", name, c.Layout, syscall.ENOENT)
	}
	return dirs, nil
}

// Add moves process pid (as the calling process sees it) into cgroup
// name in every hierarchy that has it.
func (c *Cgroups) Add(name string, pid int) error {
	dirs, err := c.existing(name)
	if err != nil {
		return err
	}
	for i, dir := range dirs {
		if err := c.Sys.WriteFile(dir+"/cgroup.procs", strconv.Itoa(pid)); err != nil {
			if i > 0 {
				return fmt.Errorf("moved %d into %s, then: %w", pid, strings.Join(dirs[:i], ", "), err)
			}
			return err
		}
	}
	return nil
}

// Procs lists the processes in cgroup name, in any of its hierarchies,
// sorted.
func (c *Cgroups) Procs(name string) ([]int, error) {
	dirs, err := c.existing(name)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, dir := range dirs {
		ps, err := c.readProcs(dir)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if !slices.Contains(pids, p) {
				pids = append(pids, p)
			}
		}
	}
	slices.Sort(pids)
	return pids, nil
}

func (c *Cgroups) readProcs(dir string) ([]int, error) {
	b, err := c.Sys.ReadFile(dir + "/cgroup.procs")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		p, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%s/cgroup.procs: %q is not a pid", dir, f)
		}
		pids = append(pids, p)
	}
	return pids, nil
}

// killWait bounds how long Delete waits for killed processes to leave.
const killWait = 5 * time.Second

// Delete kills the processes of cgroup name and removes it, and its
// child cgroups first, in every hierarchy: in v2 by writing cgroup.kill,
// in v1 by killing each listed process until none is left. It refuses a
// cgroup that holds the calling process.
func (c *Cgroups) Delete(name string) error {
	dirs, err := c.existing(name)
	if err != nil {
		return err
	}
	for _, dir := range dirs {
		if err := c.refuseSelf(dir); err != nil {
			return err
		}
	}
	// A process frozen by v1's freezer dies of SIGKILL only once thawed,
	// and it is listed in every hierarchy: kill everything once, thaw,
	// then empty and remove each directory.
	for _, dir := range dirs {
		if err := c.walk(dir, c.killOnce); err != nil {
			return err
		}
	}
	for _, dir := range dirs {
		c.walk(dir, func(d string) error {
			c.Sys.WriteFile(d+"/freezer.state", "THAWED") // only v1 freezer cgroups have it
			return nil
		})
	}
	for _, dir := range dirs {
		if err := c.removeTree(dir); err != nil {
			return err
		}
	}
	return nil
}

// walk calls f on dir and on each cgroup below it.
func (c *Cgroups) walk(dir string, f func(string) error) error {
	if err := f(dir); err != nil {
		return err
	}
	entries, err := c.Sys.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Dir {
			if err := c.walk(dir+"/"+e.Name, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// killOnce kills a cgroup's processes: cgroup.kill where the kernel has
// it, else SIGKILL to each.
func (c *Cgroups) killOnce(dir string) error {
	if c.Sys.WriteFile(dir+"/cgroup.kill", "1") == nil {
		return nil
	}
	pids, err := c.readProcs(dir)
	for _, p := range pids {
		c.Sys.Kill(p) // one may have exited meanwhile (esrch)
	}
	return err
}

func (c *Cgroups) refuseSelf(dir string) error {
	self := c.Sys.Getpid()
	return c.walk(dir, func(d string) error {
		pids, err := c.readProcs(d)
		if err == nil && slices.Contains(pids, self) {
			err = fmt.Errorf("%s holds the calling process %d: it would kill itself", d, self)
		}
		return err
	})
}

func (c *Cgroups) removeTree(dir string) error {
	entries, err := c.Sys.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Dir {
			if err := c.removeTree(dir + "/" + e.Name); err != nil {
				return err
			}
		}
	}
	if err := c.killAll(dir); err != nil {
		return err
	}
	return c.Sys.Rmdir(dir)
}

// killAll empties a cgroup: cgroup.kill where the kernel has it (v2,
// Linux 5.14), else SIGKILL to each process, again until none is left.
func (c *Cgroups) killAll(dir string) error {
	useKill := c.Sys.WriteFile(dir+"/cgroup.kill", "1") == nil
	deadline := int(killWait / time.Millisecond)
	for i := 0; ; i++ {
		pids, err := c.readProcs(dir)
		if err != nil || len(pids) == 0 {
			return err
		}
		if i == deadline {
			return fmt.Errorf("%s: processes %v still there %v after SIGKILL: %w", dir, pids, killWait, syscall.EBUSY)
		}
		if !useKill {
			for _, p := range pids {
				c.Sys.Kill(p) // one may have exited meanwhile (esrch)
			}
		}
		c.Sys.Sleep(time.Millisecond)
	}
}
