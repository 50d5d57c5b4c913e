package engine

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/node"
)

// proc is the driver's view of one process of the tree.
type proc struct {
	pid      int // as its parent sees it: the pipeline's pid
	hostPid  int // as the driver sees it (differs inside a pid namespace)
	pipeline []int
	parent   *proc
	children map[int]*proc // live
	ctl      *ctlConn      // nil for a process the driver did not start as a node
	stdin    *stdinQueue
	out, err *stream
	argv     []string // set when an exec call succeeded
	exited   bool
	eofDone  [3]bool                 // eof closed the driver's end of stdin, stdout, stderr
	queue    []builtins.Message      // undelivered output and events
	changed  chan struct{}           // closed and replaced when queue grows
	opts     [builtins.NumOpts]int64 // the node's options, as set through setopt
	flow     *flowGate               // flowcontrol of its stdout and stderr
	sigOnEOF int64                   // signaloneof set by setcpid, if sigSet
	sigSet   bool
}

func newProc(parent *proc, pid int) *proc {
	p := &proc{pid: pid, parent: parent, children: map[int]*proc{}, changed: make(chan struct{})}
	p.opts = node.DefaultOpts()
	if parent != nil {
		p.pipeline = append(append([]int(nil), parent.pipeline...), pid)
		p.opts = parent.opts
	}
	return p
}

func (p *proc) String() string { return formatPipeline(p.pipeline) }

func formatPipeline(pl []int) string {
	parts := make([]string, len(pl))
	for i, pid := range pl {
		parts[i] = strconv.Itoa(pid)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// resolve walks a pipeline from the root. Each pid must be a live child of
// the one before it.
func (e *Engine) resolve(pl []int) (*proc, error) {
	p := e.root
	for i, pid := range pl {
		c, ok := p.children[pid]
		if !ok || c.exited { // exited: below a dead process
			return nil, &BadPidError{Pipeline: pl, Index: i}
		}
		p = c
	}
	return p, nil
}

// resolveAny also finds a process that exited but still has queued output.
func (e *Engine) resolveAny(pl []int) (*proc, error) {
	if p, err := e.resolve(pl); err == nil {
		return p, nil
	}
	if p, ok := e.dead[formatPipeline(pl)]; ok {
		return p, nil
	}
	return e.resolve(pl)
}

// BadPidError: a pipeline names a pid that is not a live child of the
// previous process. errors.Is(err, builtins.ErrBadPid) holds.
type BadPidError struct {
	Pipeline []int
	Index    int
}

func (e *BadPidError) Error() string {
	parent := formatPipeline(e.Pipeline[:e.Index])
	return fmt.Sprintf("badpid: %d is not a live child of %s", e.Pipeline[e.Index], parent)
}

func (e *BadPidError) Unwrap() error { return builtins.ErrBadPid }

// info describes p for ps, reading uid and namespaces from /proc.
func (p *proc) info() builtins.ProcInfo {
	pi := builtins.ProcInfo{Pipeline: append([]int(nil), p.pipeline...), Pid: p.pid, HostPid: p.hostPid,
		Exec: p.argv != nil, Argv: p.argv, Uid: -1, NS: map[string]string{}}
	pi.Uid = procUid(p.hostPid)
	for _, ns := range []string{"pid", "mnt", "net", "uts", "ipc", "user", "cgroup", "time"} {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", p.hostPid, ns)); err == nil {
			pi.NS[ns] = l
		}
	}
	return pi
}

func procUid(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
			uid, _ := strconv.Atoi(f[1])
			return uid
		}
	}
	return -1
}
