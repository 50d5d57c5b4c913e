package repl

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/alsh/alsh/builtins"
)

// drawTree draws the live processes as a tree: each process's pid, node
// or the program it exec'd with its argv, and its uid and namespaces
// where they differ from its parent's.
//
//	[] 4100 node  uid 1000
//	├─ 4107 node
//	│  └─ 4113 cat -n
//	└─ 4108 node  uid 0  new ns: mnt pid
func drawTree(w io.Writer, procs []builtins.ProcInfo) {
	kids := map[string][]builtins.ProcInfo{}
	var root *builtins.ProcInfo
	var hostRoots []builtins.ProcInfo // remote roots ([-id]), drawn after under their host's name
	for i, p := range procs {
		if len(p.Pipeline) == 0 {
			root = &procs[i]
			continue
		}
		if len(p.Pipeline) == 1 && p.Pipeline[0] < 0 {
			hostRoots = append(hostRoots, p)
			continue
		}
		parent := pipelineString(p.Pipeline[:len(p.Pipeline)-1])
		kids[parent] = append(kids[parent], p)
	}
	if root == nil {
		fmt.Fprintln(w, "no processes")
		return
	}
	fmt.Fprintf(w, "[] %d %s%s\n", root.Pid, describeProc(*root), uidNote(root.Uid))
	drawChildren(w, kids, *root, "")
	for _, h := range hostRoots {
		fmt.Fprintf(w, "%s %s %s\n", h.Host, pipelineString(h.Pipeline), describeProc(h))
		drawChildren(w, kids, h, "")
	}
}

func drawChildren(w io.Writer, kids map[string][]builtins.ProcInfo, parent builtins.ProcInfo, indent string) {
	children := kids[pipelineString(parent.Pipeline)]
	sort.Slice(children, func(i, j int) bool { return children[i].Pid < children[j].Pid })
	for i, c := range children {
		branch, next := "├─ ", "│  "
		if i == len(children)-1 {
			branch, next = "└─ ", "   "
		}
		fmt.Fprintf(w, "%s%s%d %s%s\n", indent, branch, c.Pid, describeProc(c), differences(parent, c))
		drawChildren(w, kids, c, indent+next)
	}
}

// describeProc says what a process runs: node, or its program's argv.
func describeProc(p builtins.ProcInfo) string {
	if !p.Exec {
		return "node"
	}
	if len(p.Argv) == 0 {
		return "(exec'd)"
	}
	return strings.Join(p.Argv, " ")
}

func uidNote(uid int) string {
	if uid < 0 {
		return ""
	}
	return fmt.Sprintf("  uid %d", uid)
}

// differences notes a child's uid and namespaces where they differ from
// its parent's.
func differences(parent, child builtins.ProcInfo) string {
	var b strings.Builder
	if child.Uid != parent.Uid && child.Uid >= 0 && parent.Uid >= 0 {
		b.WriteString(uidNote(child.Uid))
	}
	var changed []string
	for name, ino := range child.NS {
		if old, ok := parent.NS[name]; ok && old != ino {
			changed = append(changed, name)
		}
	}
	if len(changed) > 0 {
		slices.Sort(changed)
		b.WriteString("  new ns: " + strings.Join(changed, " "))
	}
	return b.String()
}
