package engine

// clone with clone_newuser starts a proto-node, as fork does: it waits
// while its parent writes the maps, takes the first inside ids, and serves
// calls without a Go runtime until one needs the node.

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// cloneUserns clones a child of the root with flags and maps (nil: none).
func cloneUserns(t *testing.T, e *Engine, ctx context.Context, flags []string, maps builtins.Record) []int {
	t.Helper()
	fl := make([]any, len(flags))
	for i, f := range flags {
		fl[i] = builtins.Const(f)
	}
	args := []any{fl}
	if maps != nil {
		args = append(args, maps)
	}
	v, err := e.Call(ctx, nil, "clone", args)
	if err != nil {
		t.Fatalf("clone %v %v: %v", flags, maps, err)
	}
	return []int{int(v.(int64))}
}

// sharesMemory: kcmp(2) says the two processes share one address space.
func sharesMemory(t *testing.T, a, b int) bool {
	t.Helper()
	const kcmpVM = 1
	r, _, errno := unix.Syscall6(unix.SYS_KCMP, uintptr(a), uintptr(b), kcmpVM, 0, 0, 0)
	if errno != 0 {
		t.Fatalf("kcmp %d %d: %v", a, b, errno)
	}
	return r == 0
}

// seenInside is what a program exec'd in the namespace sees of itself.
type seenInside struct {
	uid, gid, uidMap, gidMap string
	eff, prm, inh, amb       uint64
}

func runSeenInside(t *testing.T, e *Engine, ctx context.Context, pl []int) seenInside {
	t.Helper()
	r := runIn(t, e, ctx, pl, "/bin/sh", "-c", "cat /proc/self/status; echo ==; cat /proc/self/uid_map; echo ==; cat /proc/self/gid_map")
	parts := strings.Split(r.stdout, "==\n")
	if r.event != "{exit_status: 0}" || len(parts) != 3 {
		t.Fatalf("program: %s, stdout %q, stderr %q", r.event, r.stdout, r.stderr)
	}
	st := parts[0]
	return seenInside{uid: statusValue(st, "Uid"), gid: statusValue(st, "Gid"),
		uidMap: strings.Join(strings.Fields(parts[1]), " "), gidMap: strings.Join(strings.Fields(parts[2]), " "),
		eff: statusMask(t, st, "CapEff"), prm: statusMask(t, st, "CapPrm"),
		inh: statusMask(t, st, "CapInh"), amb: statusMask(t, st, "CapAmb")}
}

// allCaps is every capability the kernel knows (cap_last_cap): the set a
// process gets in a new user namespace, whatever its parent's bounding
// set.
func allCaps(t *testing.T) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		t.Fatal(err)
	}
	last, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return 1<<(last+1) - 1
}

// The child of clone with clone_newuser, with maps and without, is a
// proto-node: one thread, its parent's memory. A program it execs runs as
// the map's first inside ids with the maps written, with every capability
// as root there, and as the overflow ids with none without maps (as from
// the full node such a clone made before). A call that needs the node
// boots it in the namespace, and the node's programs see the same.
func TestCloneNewuserIsProtoNode(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	full := allCaps(t)
	all := []string{"clone_newuser", "clone_newpid", "clone_newns", "clone_newnet", "clone_newuts", "clone_newipc", "clone_newcgroup"}
	for _, c := range []struct {
		flags []string
		maps  builtins.Record
		want  seenInside
	}{
		{[]string{"clone_newuser"}, nil, seenInside{uid: "65534\t65534\t65534\t65534", gid: "65534\t65534\t65534\t65534"}},
		{all, builtins.Record{"uid": "0 0 1", "gid": "0 0 1"},
			seenInside{uid: "0\t0\t0\t0", gid: "0\t0\t0\t0", uidMap: "0 0 1", gidMap: "0 0 1", eff: full, prm: full}},
		{[]string{"clone_newuser"}, builtins.Record{"uid": "0 100000 1000", "gid": "0 100000 1000"},
			seenInside{uid: "0\t0\t0\t0", gid: "0\t0\t0\t0", uidMap: "0 100000 1000", gidMap: "0 100000 1000", eff: full, prm: full}},
	} {
		e, ctx := start(t)
		root := e.hostPid(t, nil)
		for _, boot := range []bool{false, true} {
			pl := cloneUserns(t, e, ctx, c.flags, c.maps)
			pid := e.hostPid(t, pl)
			if !isProto(t, e, pl) || !sharesMemory(t, root, pid) {
				t.Fatalf("clone %v %v: not a proto-node (%d threads, shares its parent's memory: %v)",
					c.flags, c.maps, threads(t, e, pl), sharesMemory(t, root, pid))
			}
			if boot {
				bootNode(t, e, ctx, pl)
				if isProto(t, e, pl) {
					t.Fatalf("clone %v %v: a call did not boot the proto-node", c.flags, c.maps)
				}
				if got := call(t, e, ctx, pl, "getuid"); strconv.FormatInt(got.(int64), 10) != strings.Fields(c.want.uid)[0] {
					t.Errorf("clone %v %v: the booted node's getuid = %v", c.flags, c.maps, got)
				}
				if got := call(t, e, ctx, pl, "getpid"); slices.Contains(c.flags, "clone_newpid") && got != int64(1) {
					t.Errorf("clone %v %v: the booted node's getpid = %v, want 1", c.flags, c.maps, got)
				}
			}
			if got := runSeenInside(t, e, ctx, pl); got != c.want {
				t.Errorf("clone %v %v, booted %v: the program sees %+v, want %+v", c.flags, c.maps, boot, got, c.want)
			}
		}
	}
}

// As uid 1000 inside (map "1000 0 1"), a program exec'd by the proto-node
// or by the node it boots into has no capabilities, as one exec'd by the
// full node such a clone made before (which had none itself: its exec of
// the memfd as uid 1000 dropped them). The proto-node holds every
// capability in its namespace, and its node keeps them across the boot
// (proto's protoCarryCaps) without handing them to its programs.
func TestCloneNewuserUid1000Capabilities(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	e, ctx := start(t)
	maps := builtins.Record{"uid": "1000 0 1", "gid": "1000 0 1"}
	want := seenInside{uid: "1000\t1000\t1000\t1000", gid: "1000\t1000\t1000\t1000", uidMap: "1000 0 1", gidMap: "1000 0 1"}
	for _, boot := range []bool{false, true} {
		pl := cloneUserns(t, e, ctx, []string{"clone_newuser"}, maps)
		if protoEff := capBits(t, e, pl, "CapEff"); protoEff != allCaps(t) {
			t.Fatalf("the proto-node's CapEff = %x, want every capability %x", protoEff, allCaps(t))
		}
		if boot {
			bootNode(t, e, ctx, pl)
			if isProto(t, e, pl) {
				t.Fatal("a call did not boot the proto-node")
			}
			if eff, amb := capBits(t, e, pl, "CapEff"), capBits(t, e, pl, "CapAmb"); eff != allCaps(t) || amb != 0 {
				t.Errorf("the booted node's CapEff = %x, CapAmb %x: want the proto-node's %x, none ambient", eff, amb, allCaps(t))
			}
		}
		if got := runSeenInside(t, e, ctx, pl); got != want {
			t.Errorf("booted %v: the program sees %+v, want %+v", boot, got, want)
		}
	}
}

// A map the kernel refuses fails the clone with the write's error; the
// child is killed and reaped, and the parent forks on.
func TestCloneNewuserBadMap(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	root := e.hostPid(t, nil)
	procPid := regexp.MustCompile(`/proc/([0-9]+)/`)
	for _, c := range []struct {
		maps builtins.Record
		file string
	}{
		{builtins.Record{"uid": "0 0 0"}, "uid_map"},
		{builtins.Record{"uid": "0 0 1", "gid": "0 0 1\n0 0 1"}, "gid_map"},
	} {
		_, err := e.Call(ctx, nil, "clone", []any{[]any{builtins.Const("clone_newuser"), builtins.Const("clone_newpid")}, c.maps})
		if !isErrno(err, unix.EINVAL) || !strings.Contains(err.Error(), c.file) {
			t.Fatalf("clone with maps %v: %v, want einval writing %s", c.maps, err, c.file)
		}
		m := procPid.FindStringSubmatch(err.Error())
		if m == nil {
			t.Fatalf("no child's pid in %q", err)
		}
		if _, err := os.Stat("/proc/" + m[1]); err == nil {
			t.Errorf("the child %s of a failed clone is still there", m[1])
		}
		if kids := childrenOf(root); len(kids) != 0 {
			t.Errorf("the root has children after a failed clone: %v", kids)
		}
	}
	pl := cloneUserns(t, e, ctx, []string{"clone_newuser"}, builtins.Record{"uid": "0 0 1"})
	if got := call(t, e, ctx, pl, "getuid"); got != int64(0) {
		t.Fatalf("getuid after failed clones = %v", got)
	}
}
