//go:build linux

package engine

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// Namespace flags for Clone and Unshare (the kernel's CLONE_NEW* values).
const (
	CloneNewNS     CloneFlags = unix.CLONE_NEWNS     // a mount namespace
	CloneNewUTS    CloneFlags = unix.CLONE_NEWUTS    // hostname and domain name
	CloneNewIPC    CloneFlags = unix.CLONE_NEWIPC    // System V IPC, POSIX message queues
	CloneNewUser   CloneFlags = unix.CLONE_NEWUSER   // user and group ids (Clone takes IDMaps with it)
	CloneNewPID    CloneFlags = unix.CLONE_NEWPID    // pids: the child is pid 1 in it
	CloneNewNet    CloneFlags = unix.CLONE_NEWNET    // network devices, addresses, ports
	CloneNewCgroup CloneFlags = unix.CLONE_NEWCGROUP // the cgroup root
	CloneNewTime   CloneFlags = unix.CLONE_NEWTIME   // boot and monotonic clocks
)

// FdInheritable keeps an fd taken with FdRecv open across exec.
const FdInheritable FdPassFlags = 1

// Node options for Getopt and Setopt (docs/engine.md, Options).
const (
	OptMaxChild     Option = builtins.OptMaxChild     // child nodes a node may have at once
	OptMaxForkDepth Option = builtins.OptMaxForkDepth // the longest pipeline
	OptSignalOnEOF  Option = builtins.OptSignalOnEOF  // the signal a node's programs get when its parent goes
	OptFlowControl  Option = builtins.OptFlowControl  // output chunks read from a new child before pausing
	OptPrefork      Option = builtins.OptPrefork      // keep a child booted ahead
)

// Rlimit is a resource limit: the soft limit Cur and the hard limit Max
// (unix.RLIM_INFINITY for none).
type Rlimit struct {
	Cur, Max uint64
}

func (r Rlimit) record() builtins.Record {
	return builtins.Record{"cur": int64(r.Cur), "max": int64(r.Max)}
}

// IDMap maps Count ids from Inside a user namespace to Outside it, one
// line of /proc/PID/uid_map.
type IDMap struct {
	Inside, Outside, Count int
}

// IDMaps are the uid and gid maps of a new user namespace (Clone or
// Unshare with CloneNewUser), and its setgroups ("deny" or "allow"; empty
// leaves the kernel's default).
type IDMaps struct {
	UID, GID  []IDMap
	Setgroups string
}

func (m IDMaps) record() builtins.Record {
	r := builtins.Record{}
	for key, maps := range map[string][]IDMap{"uid": m.UID, "gid": m.GID} {
		if len(maps) == 0 {
			continue
		}
		lines := make([]string, len(maps))
		for i, l := range maps {
			lines[i] = fmt.Sprintf("%d %d %d", l.Inside, l.Outside, l.Count)
		}
		r[key] = strings.Join(lines, "\n")
	}
	if m.Setgroups != "" {
		r["setgroups"] = m.Setgroups
	}
	return r
}

// SpawnOptions are applied, in this order, between the clone and the
// exec of Spawn: Env (nil: the node's), Rlimits, Chroot, Chdir, GID (with
// the supplementary groups dropped) and UID, when set (nil: unchanged).
type SpawnOptions struct {
	Env     []string
	Rlimits map[Resource]Rlimit
	Chroot  string
	Chdir   string
	GID     *int
	UID     *int
}

func (o SpawnOptions) record() builtins.Record {
	r := builtins.Record{}
	if o.Env != nil {
		r["env"] = anyList(o.Env)
	}
	if len(o.Rlimits) > 0 {
		lims := builtins.Record{}
		for res, l := range o.Rlimits {
			name, ok := builtins.ConstantName("rlimit", int64(res))
			if !ok {
				name = strconv.Itoa(int(res)) // refused by the node, which names it
			}
			lims[name] = l.record()
		}
		r["rlimits"] = lims
	}
	if o.Chroot != "" {
		r["chroot"] = o.Chroot
	}
	if o.Chdir != "" {
		r["chdir"] = o.Chdir
	}
	if o.GID != nil {
		r["gid"] = int64(*o.GID)
	}
	if o.UID != nil {
		r["uid"] = int64(*o.UID)
	}
	return r
}

// WaitStatus is what Waitpid returns: the child's pid (0 when none
// changed state, with unix.WNOHANG) and its status, whose methods say how
// it changed (Exited, ExitStatus, Signaled, Signal, Stopped…).
type WaitStatus struct {
	Pid    int
	Status syscall.WaitStatus
}

// ResIDs are the real, effective and saved user (or group) ids.
type ResIDs struct {
	Real, Effective, Saved int
}

func toInt(v any, err error) (int, error) {
	n, err := resultInt(v, err)
	return int(n), err
}

func toInt64(v any, err error) (int64, error) { return resultInt(v, err) }

func toWaitStatus(v any, err error) (WaitStatus, error) {
	r, err := resultRecord(v, err)
	if err != nil {
		return WaitStatus{}, err
	}
	pid, _ := r["pid"].(int64)
	status, _ := r["status"].(int64)
	return WaitStatus{Pid: int(pid), Status: syscall.WaitStatus(status)}, nil
}

func toRlimit(v any, err error) (Rlimit, error) {
	r, err := resultRecord(v, err)
	if err != nil {
		return Rlimit{}, err
	}
	cur, ok1 := r["cur"].(int64)
	max, ok2 := r["max"].(int64)
	if !ok1 || !ok2 {
		return Rlimit{}, resultTypeError("{cur, max}", v)
	}
	return Rlimit{Cur: uint64(cur), Max: uint64(max)}, nil
}

func toResIDs(v any, err error) (ResIDs, error) {
	r, err := resultRecord(v, err)
	if err != nil {
		return ResIDs{}, err
	}
	real, ok1 := r["real"].(int64)
	eff, ok2 := r["effective"].(int64)
	saved, ok3 := r["saved"].(int64)
	if !ok1 || !ok2 || !ok3 {
		return ResIDs{}, resultTypeError("{real, effective, saved}", v)
	}
	return ResIDs{Real: int(real), Effective: int(eff), Saved: int(saved)}, nil
}

func toInts(v any, err error) ([]int, error) {
	l, err := resultList(v, err)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(l))
	for i, x := range l {
		n, ok := x.(int64)
		if !ok {
			return nil, resultTypeError("list of ints", v)
		}
		out[i] = int(n)
	}
	return out, nil
}

func toStrings(v any, err error) ([]string, error) {
	l, err := resultList(v, err)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(l))
	for i, x := range l {
		s, ok := x.(string)
		if !ok {
			return nil, resultTypeError("list of strings", v)
		}
		out[i] = s
	}
	return out, nil
}
