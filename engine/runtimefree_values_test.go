package engine

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// The runtime-free calls with results (getcwd, gethostname, getrlimit,
// the ids, the groups, and read, write, lseek and fcntl on a file) answer
// from a proto-node (which stays one) as from a node, value for value, and
// as the kernel answers this test's process.
func TestRuntimeFreeValuesAsNode(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	dir := t.TempDir()
	p := fork(t, e, ctx, nil)
	n := fork(t, e, ctx, nil)
	bootNode(t, e, ctx, n)
	r, eu, s := unix.Getresuid()
	rg, eg, sg := unix.Getresgid()
	groups, _ := unix.Getgroups()
	slices.Sort(groups)
	host, _ := os.Hostname()
	limit := func(res int) string {
		var l unix.Rlimit
		unix.Getrlimit(res, &l)
		return builtins.Format(builtins.Record{"cur": int64(l.Cur), "max": int64(l.Max)})
	}
	kernel := map[string]string{
		"getcwd":      builtins.Format(dir),
		"gethostname": builtins.Format(host),
		"getresuid":   builtins.Format(builtins.Record{"real": int64(r), "effective": int64(eu), "saved": int64(s)}),
		"getresgid":   builtins.Format(builtins.Record{"real": int64(rg), "effective": int64(eg), "saved": int64(sg)}),
		"getgroups":   builtins.Format(ints(groups)),
		"fsize":       limit(unix.RLIMIT_FSIZE),
		"core":        limit(unix.RLIMIT_CORE),
	}
	for _, pl := range [][]int{p, n} {
		call(t, e, ctx, pl, "chdir", dir)
	}
	answers := func(pl []int) map[string]string {
		got := map[string]string{}
		for _, name := range []string{"getcwd", "gethostname", "getresuid", "getresgid", "getgroups"} {
			got[name] = builtins.Format(call(t, e, ctx, pl, name))
		}
		got["fsize"] = builtins.Format(call(t, e, ctx, pl, "getrlimit", builtins.Const("rlimit_fsize")))
		got["core"] = builtins.Format(call(t, e, ctx, pl, "getrlimit", builtins.Const("rlimit_core")))
		return got
	}
	for who, pl := range map[string][]int{"proto-node": p, "node": n} {
		got := answers(pl)
		for k, want := range kernel {
			if got[k] != want {
				t.Errorf("%s: %s = %s, the kernel's %s", who, k, got[k], want)
			}
		}
		if got := fileCalls(t, e, ctx, pl, dir+"/"+who); got != "11 0 \"hello\\0world\" 11 \"\" 2048 fl:0104002 fd:0 100 pos:11" {
			t.Errorf("%s: the file calls gave %s", who, got)
		}
	}
	if !isProto(t, e, p) {
		t.Fatal("a runtime-free call booted the proto-node")
	}
}

func ints(v []int) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// fileCalls writes, seeks, reads and sets flags on a file of its own,
// and reports what each answers and what /proc shows of the fd.
func fileCalls(t *testing.T, e *Engine, ctx context.Context, pl []int, path string) string {
	t.Helper()
	fd := call(t, e, ctx, pl, "open", path, []any{builtins.Const("o_rdwr"), builtins.Const("o_creat")}, int64(0o600))
	var b []string
	add := func(v any) { b = append(b, builtins.Format(v)) }
	add(call(t, e, ctx, pl, "write", fd, "hello\x00world"))
	add(call(t, e, ctx, pl, "lseek", fd, int64(0), int64(0)))
	add(call(t, e, ctx, pl, "read", fd, int64(100)))
	add(call(t, e, ctx, pl, "lseek", fd, int64(0), int64(1)))
	add(call(t, e, ctx, pl, "read", fd, int64(5)))
	add(call(t, e, ctx, pl, "fcntl", fd, builtins.Const("f_setfl"), int64(unix.O_NONBLOCK)))
	b[len(b)-1] = strconv.FormatInt(call(t, e, ctx, pl, "fcntl", fd, builtins.Const("f_getfl")).(int64)&unix.O_NONBLOCK, 10)
	info, _ := os.ReadFile("/proc/" + strconv.Itoa(e.hostPid(t, pl)) + "/fdinfo/" + strconv.FormatInt(fd.(int64), 10))
	fields := map[string]string{}
	for _, line := range strings.Split(string(info), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	b = append(b, "fl:"+fields["flags"])
	add2 := call(t, e, ctx, pl, "fcntl", fd, builtins.Const("f_getfd"))
	b = append(b, "fd:"+builtins.Format(add2))
	dup := call(t, e, ctx, pl, "fcntl", fd, builtins.Const("f_dupfd"), int64(100))
	add(dup)
	call(t, e, ctx, pl, "close", dup)
	b = append(b, "pos:"+fields["pos"])
	call(t, e, ctx, pl, "close", fd)
	return strings.Join(b, " ")
}

// A limit the node keeps for its programs (rlimit_as) is what getrlimit
// answers, from a proto-node as from a node, and is not set on either;
// set again, it is kept again.
func TestRuntimeFreeGetrlimitKept(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	parent := fork(t, e, ctx, nil)
	call(t, e, ctx, parent, "setrlimit", builtins.Const("rlimit_as"), builtins.Record{"cur": int64(1 << 30), "max": int64(-1)})
	p := fork(t, e, ctx, parent)
	n := fork(t, e, ctx, parent)
	bootNode(t, e, ctx, n)
	for who, pl := range map[string][]int{"proto-node": p, "node": n} {
		if got := builtins.Format(call(t, e, ctx, pl, "getrlimit", builtins.Const("rlimit_as"))); got != "{cur: 1073741824, max: -1}" {
			t.Errorf("%s: getrlimit rlimit_as = %s, want the kept 1 GiB", who, got)
		}
		limits, _ := os.ReadFile("/proc/" + strconv.Itoa(e.hostPid(t, pl)) + "/limits")
		if !strings.Contains(string(limits), "Max address space         unlimited") {
			t.Errorf("%s: the kept limit is set on it:\n%s", who, limits)
		}
	}
	if !isProto(t, e, p) {
		t.Fatal("getrlimit of a kept limit booted the proto-node")
	}
	// Set unlimited: kept so (a proto-node boots for it: the node keeps
	// the limit, which its programs get).
	inf := builtins.Record{"cur": int64(-1), "max": int64(-1)}
	for _, pl := range [][]int{fork(t, e, ctx, parent), n} {
		call(t, e, ctx, pl, "setrlimit", builtins.Const("rlimit_as"), inf)
		if got := builtins.Format(call(t, e, ctx, pl, "getrlimit", builtins.Const("rlimit_as"))); got != builtins.Format(inf) {
			t.Errorf("%v: getrlimit rlimit_as after setting it unlimited = %s", pl, got)
		}
	}
}

// A result larger than a proto-node holds (a read of more than its reply
// buffer, more groups than its list) makes it boot, and its node answers.
func TestRuntimeFreeLargeResultsBoot(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	path := t.TempDir() + "/big"
	data := strings.Repeat("0123456789", 3000)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	p := fork(t, e, ctx, nil)
	fd := call(t, e, ctx, p, "open", path, int64(0))
	if got := call(t, e, ctx, p, "read", fd, int64(1000)); got != data[:1000] || !isProto(t, e, p) {
		t.Fatalf("read 1000: %d bytes, proto-node %v", len(got.(string)), isProto(t, e, p))
	}
	if got := call(t, e, ctx, p, "read", fd, int64(len(data))); got != data[1000:] || isProto(t, e, p) {
		t.Fatalf("read of 30000: %d bytes, proto-node %v", len(got.(string)), isProto(t, e, p))
	}
	if os.Geteuid() != 0 {
		return
	}
	parent := fork(t, e, ctx, nil)
	var gids []any
	for g := int64(400); g > 100; g-- { // 300, given in reverse
		gids = append(gids, g)
	}
	call(t, e, ctx, parent, "setgroups", gids)
	c := fork(t, e, ctx, parent)
	got := call(t, e, ctx, c, "getgroups").([]any)
	if len(got) != 300 || got[0] != int64(101) || got[299] != int64(400) || isProto(t, e, c) {
		t.Fatalf("getgroups of 300: %d, from %v to %v, proto-node %v", len(got), got[0], got[len(got)-1], isProto(t, e, c))
	}
	few := fork(t, e, ctx, nil)
	call(t, e, ctx, few, "setgroups", []any{int64(7), int64(3), int64(5)})
	if got := builtins.Format(call(t, e, ctx, few, "getgroups")); got != "[3 5 7]" || !isProto(t, e, few) {
		t.Fatalf("getgroups of 3: %s, proto-node %v", got, isProto(t, e, few))
	}
}

// setns joins the namespace open on an fd from a proto-node (which stays
// one) as from a node: by nstype, and with nstype 0 a mount namespace
// (which a node joins from a thread with its own fs). A user namespace is
// refused with the node's error: the proto-node boots for it.
func TestRuntimeFreeSetns(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	e, ctx := start(t)
	a := []int{int(call(t, e, ctx, nil, "clone", []any{builtins.Const("clone_newuts"), builtins.Const("clone_newns")}).(int64))}
	call(t, e, ctx, a, "sethostname", "ns-a")
	nsOf := func(pl []int, kind string) string {
		l, err := os.Readlink("/proc/" + strconv.Itoa(e.hostPid(t, pl)) + "/ns/" + kind)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	nsPath := func(kind string) string { return "/proc/" + strconv.Itoa(e.hostPid(t, a)) + "/ns/" + kind }
	p := fork(t, e, ctx, nil)
	n := fork(t, e, ctx, nil)
	bootNode(t, e, ctx, n)
	var userErr [2]string
	for i, pl := range [][]int{p, n} {
		uts := call(t, e, ctx, pl, "open", nsPath("uts"), int64(0))
		call(t, e, ctx, pl, "setns", uts, builtins.Const("clone_newuts"))
		if got := call(t, e, ctx, pl, "gethostname"); got != "ns-a" {
			t.Errorf("%v: gethostname after setns = %v", pl, got)
		}
		mnt := call(t, e, ctx, pl, "open", nsPath("mnt"), int64(0))
		call(t, e, ctx, pl, "setns", mnt)
		if got, want := nsOf(pl, "mnt"), nsOf(a, "mnt"); got != want {
			t.Errorf("%v: in %s after setns, want %s", pl, got, want)
		}
		if i == 0 && !isProto(t, e, p) {
			t.Fatal("setns booted the proto-node")
		}
		user := call(t, e, ctx, pl, "open", nsPath("user"), int64(0))
		_, err := e.Call(ctx, pl, "setns", []any{user, int64(0)})
		userErr[i] = errString(err)
	}
	if userErr[0] != userErr[1] || !strings.Contains(userErr[0], "multithreaded") {
		t.Errorf("setns of a user namespace: proto-node %q, node %q", userErr[0], userErr[1])
	}
}
