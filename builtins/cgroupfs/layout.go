// Package cgroupfs finds a process's cgroup hierarchies (v1, v2 or both)
// and operates on a cgroup by name across them, mapping controller file
// names between the versions where they mean the same. It reaches the
// kernel only through System, so a fake tree can stand in for cgroupfs in
// tests; the real System is in package builtins.
package cgroupfs

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Hierarchy is one mounted cgroup hierarchy.
type Hierarchy struct {
	Version     int      // 1 or 2
	Mount       string   // where it is mounted
	Root        string   // the mount's root inside the hierarchy (mountinfo field 4)
	Controllers []string // v1: from the mount options; v2: the root's cgroup.controllers
	Current     string   // the process's cgroup in it (/proc/self/cgroup), "" if not listed
}

// Dir is the directory of cgroup path p (relative to the mount) in h.
func (h *Hierarchy) Dir(p string) string {
	if p == "" || p == "/" {
		return h.Mount
	}
	return strings.TrimSuffix(h.Mount, "/") + "/" + strings.TrimPrefix(p, "/")
}

// CurrentDir is the directory of the process's own cgroup in h, or "" when
// that cgroup lies outside the mount.
func (h *Hierarchy) CurrentDir() string {
	if h.Current == "" {
		return ""
	}
	if h.Root == "/" {
		return h.Dir(h.Current)
	}
	rel, ok := strings.CutPrefix(h.Current, h.Root)
	if !ok || rel != "" && rel[0] != '/' {
		return ""
	}
	return h.Dir(rel)
}

func (h *Hierarchy) has(controller string) bool { return slices.Contains(h.Controllers, controller) }

// Layout is every cgroup hierarchy a process sees.
type Layout struct {
	Hierarchies []Hierarchy
}

// Kind says "v1", "v2" or "hybrid" (both mounted).
func (l *Layout) Kind() string {
	v1, v2 := false, false
	for _, h := range l.Hierarchies {
		v1 = v1 || h.Version == 1
		v2 = v2 || h.Version == 2
	}
	switch {
	case v1 && v2:
		return "hybrid"
	case v2:
		return "v2"
	case v1:
		return "v1"
	}
	return "none"
}

// String describes the layout for error messages: "hybrid: v1 cpu,
// memory, pids under /sys/fs/cgroup; v2 hugetlb at /sys/fs/cgroup/unified".
func (l *Layout) String() string {
	var v1, parents, parts []string
	for _, h := range l.Hierarchies {
		switch h.Version {
		case 1:
			v1 = append(v1, strings.Join(h.Controllers, "+")+" at "+h.Mount)
			if p := path.Dir(h.Mount); !slices.Contains(parents, p) {
				parents = append(parents, p)
			}
		case 2:
			ctrl := strings.Join(h.Controllers, ", ")
			if ctrl == "" {
				ctrl = "no controllers"
			}
			parts = append(parts, fmt.Sprintf("v2 %s at %s", ctrl, h.Mount))
		}
	}
	if len(v1) > 0 && len(parents) == 1 {
		for i := range v1 {
			v1[i], _, _ = strings.Cut(v1[i], " at ")
		}
		v1[len(v1)-1] += " under " + parents[0]
	}
	if len(v1) > 0 {
		parts = append([]string{"v1 " + strings.Join(v1, ", ")}, parts...)
	}
	if len(parts) == 0 {
		return "no cgroup filesystem mounted"
	}
	return l.Kind() + ": " + strings.Join(parts, "; ")
}

// V2 is the cgroup2 hierarchy, or nil.
func (l *Layout) V2() *Hierarchy {
	for i := range l.Hierarchies {
		if l.Hierarchies[i].Version == 2 {
			return &l.Hierarchies[i]
		}
	}
	return nil
}

// ForController is the hierarchy that holds a controller: a v1 hierarchy
// where it is bound there (the kernel then withholds it from v2), else v2
// when its root offers it.
func (l *Layout) ForController(controller string) *Hierarchy {
	for i := range l.Hierarchies {
		if h := &l.Hierarchies[i]; h.Version == 1 && h.has(controller) {
			return h
		}
	}
	if h := l.V2(); h != nil && h.has(controller) {
		return h
	}
	return nil
}

// Controllers lists every controller of the layout, sorted.
func (l *Layout) Controllers() []string {
	var out []string
	for _, h := range l.Hierarchies {
		for _, c := range h.Controllers {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	slices.Sort(out)
	return out
}

// v1Options are cgroup v1 mount options that are not controllers.
var v1Options = []string{"rw", "ro", "noprefix", "clone_children", "xattr", "cpuset_v2_mode",
	"favordynmods", "nofavordynmods", "none"}

// ParseMountinfo returns the cgroup and cgroup2 mounts of a
// /proc/PID/mountinfo, the first mount of each hierarchy only. Named v1
// hierarchies (name=systemd) carry no controller and are left out.
func ParseMountinfo(text string) []Hierarchy {
	var out []Hierarchy
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		h, ok := parseMountLine(line)
		if !ok {
			continue
		}
		key := fmt.Sprint(h.Version, h.Controllers)
		if h.Version == 1 && len(h.Controllers) == 0 || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, h)
	}
	return out
}

// parseMountLine reads one mountinfo line: ID PARENT MAJ:MIN ROOT MOUNT
// OPTS [OPTIONAL…] - FSTYPE SOURCE SUPEROPTS.
func parseMountLine(line string) (Hierarchy, bool) {
	pre, post, ok := strings.Cut(line, " - ")
	if !ok {
		return Hierarchy{}, false
	}
	f, g := strings.Fields(pre), strings.Fields(post)
	if len(f) < 5 || len(g) < 3 {
		return Hierarchy{}, false
	}
	h := Hierarchy{Root: unescape(f[3]), Mount: unescape(f[4])}
	switch g[0] {
	case "cgroup2":
		h.Version = 2
	case "cgroup":
		h.Version = 1
		for _, o := range strings.Split(g[2], ",") {
			if !slices.Contains(v1Options, o) && !strings.Contains(o, "=") {
				h.Controllers = append(h.Controllers, o)
			}
		}
		slices.Sort(h.Controllers)
	default:
		return Hierarchy{}, false
	}
	return h, true
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}

// ApplyProcCgroup fills each hierarchy's Current from a /proc/PID/cgroup:
// lines HIERARCHY-ID:CONTROLLERS:PATH, where v2's controllers are empty.
func ApplyProcCgroup(hs []Hierarchy, text string) {
	for _, line := range strings.Split(text, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		for i := range hs {
			if matchesProcLine(&hs[i], parts[1]) {
				hs[i].Current = parts[2]
			}
		}
	}
}

func matchesProcLine(h *Hierarchy, controllers string) bool {
	if controllers == "" {
		return h.Version == 2
	}
	names := strings.Split(controllers, ",")
	slices.Sort(names)
	return h.Version == 1 && slices.Equal(names, h.Controllers)
}

// Discover reads the layout a process sees: its mountinfo and cgroup
// files (normally /proc/self/…; procCgroup "" leaves each Current empty)
// and each v2 root's cgroup.controllers.
func Discover(sys System, mountinfo, procCgroup string) (*Layout, error) {
	mi, err := sys.ReadFile(mountinfo)
	if err != nil {
		return nil, err
	}
	hs := ParseMountinfo(string(mi))
	if procCgroup != "" {
		pc, err := sys.ReadFile(procCgroup)
		if err != nil {
			return nil, err
		}
		ApplyProcCgroup(hs, string(pc))
	}
	for i := range hs {
		if hs[i].Version != 2 {
			continue
		}
		b, err := sys.ReadFile(hs[i].Mount + "/cgroup.controllers")
		if err != nil {
			return nil, err
		}
		hs[i].Controllers = strings.Fields(string(b))
	}
	l := &Layout{Hierarchies: hs}
	if len(hs) == 0 {
		return nil, fmt.Errorf("no cgroup filesystem mounted (%s lists none)", mountinfo)
	}
	return l, nil
}
