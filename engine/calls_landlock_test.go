package engine

// Tests of the Landlock calls (builtins/calls_landlock.go): a program the
// confined node execs reads /usr, writes only the box, and gets eacces
// elsewhere.

import (
	"context"
	"fmt"
	"github.com/alsh/alsh/engine/internal/testutil"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// requireLandlock skips where the kernel has no Landlock (fails in CI).
func requireLandlock(t *testing.T, e *Engine, ctx context.Context) int64 {
	t.Helper()
	abi, err := e.Call(ctx, nil, "landlock_abi", nil)
	if err != nil {
		if os.Getenv("ALSH_REQUIRE_PRIVILEGED") == "1" {
			t.Fatalf("landlock_abi: %v", err)
		}
		t.Skipf("no Landlock here: %v", err)
	}
	return abi.(int64)
}

// checkConfined runs a shell in the confined node c: /usr reads, box
// takes a file, other and /etc refuse with eacces.
func checkConfined(t *testing.T, e *Engine, ctx context.Context, c []int, box, other string) {
	t.Helper()
	script := `ls /usr > ` + box + `/ls && echo ls ok; echo hi > ` + box + `/f && echo write ok; echo no > ` + other +
		`/f; echo other $?; cat /etc/hostname > ` + box + `/etc; echo etc $?; cat ` + box + `/f`
	r := runIn(t, e, ctx, c, "/bin/busybox", "sh", "-c", script)
	if want := "ls ok\nwrite ok\nother 1\netc 1\nhi\n"; r.stdout != want || strings.Count(r.stderr, "Permission denied") != 2 {
		t.Fatalf("confined shell: stdout %q (want %q), stderr %q", r.stdout, want, r.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(box, "f")); err != nil || string(b) != "hi\n" {
		t.Fatalf("box/f on the host: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(other, "f")); err == nil {
		t.Fatal("the confined shell wrote outside its box")
	}
}

// The one-call form, as a user types it.
func TestLandlockOneCall(t *testing.T) {
	busybox(t)
	e, ctx := start(t)
	abi := requireLandlock(t, e, ctx)
	box, other := t.TempDir(), t.TempDir()
	c := fork(t, e, ctx, nil)
	res := call(t, e, ctx, c, "landlock", builtins.Record{"ro": []any{"/usr"}, "rw": []any{box},
		"exec": []any{"/usr/bin"}}).(builtins.Record)
	if res["abi"] != abi || builtins.Format(res["unenforced"]) != "[]" || len(res["fs"].([]any)) != 16 {
		t.Fatalf("landlock = %s", builtins.Format(res))
	}
	checkConfined(t, e, ctx, c, box, other)
}

// The same sandbox from the primitives: a ruleset, its rules,
// no_new_privs, restrict_self.
func TestLandlockPrimitives(t *testing.T) {
	busybox(t)
	e, ctx := start(t)
	requireLandlock(t, e, ctx)
	box, other := t.TempDir(), t.TempDir()
	c := fork(t, e, ctx, nil)
	rights := func(names ...string) []any { return consts(names...) }
	rs := call(t, e, ctx, c, "landlock_create_ruleset", rights("execute", "read_file", "read_dir", "write_file", "make_reg", "truncate"))
	call(t, e, ctx, c, "landlock_add_rule", rs, "/usr", rights("execute", "read_file", "read_dir"))
	call(t, e, ctx, c, "landlock_add_rule", rs, box, rights("read_file", "read_dir", "write_file", "make_reg", "truncate"))
	_, err := e.Call(ctx, c, "landlock_add_rule", []any{rs, "/etc/hostname", rights("read_file", "read_dir")})
	if err == nil || !strings.Contains(err.Error(), "not a directory") || !strings.Contains(err.Error(), "read_dir") {
		t.Fatalf("a directory right on a file: %v", err)
	}
	call(t, e, ctx, c, "no_new_privs")
	call(t, e, ctx, c, "landlock_restrict_self", rs)
	checkConfined(t, e, ctx, c, box, other)
}

func consts(names ...string) []any {
	l := make([]any, len(names))
	for i, n := range names {
		l[i] = builtins.Const(n)
	}
	return l
}

// Network rights: connect_tcp allowed to one port, refused to another
// (both listen on loopback); bind_tcp handled with no port allowed, so a
// listener cannot bind.
func TestLandlockTCP(t *testing.T) {
	busybox(t)
	e, ctx := start(t)
	if requireLandlock(t, e, ctx) < 4 {
		t.Skip("network rights need Landlock ABI 4")
	}
	allowed, refused := listen(t), listen(t)
	c := fork(t, e, ctx, nil)
	res := call(t, e, ctx, c, "landlock", builtins.Record{"ro": []any{"/"}, "exec": []any{"/usr/bin"},
		"connect_tcp": []any{int64(allowed)}, "bind_tcp": []any{}}).(builtins.Record)
	if got := builtins.Format(res["net"]); got != "[bind_tcp connect_tcp]" {
		t.Fatalf("landlock handles net %s", got)
	}
	script := "for p in " + strconv.Itoa(allowed) + " " + strconv.Itoa(refused) +
		"; do echo x | /bin/busybox nc 127.0.0.1 $p && echo $p ok; done; /bin/busybox nc -l -p " + strconv.Itoa(refused) + "; echo listen $?"
	r := runIn(t, e, ctx, c, "/bin/busybox", "sh", "-c", script)
	if r.stdout != strconv.Itoa(allowed)+" ok\nlisten 1\n" || strings.Count(r.stderr, "Permission denied") != 2 {
		t.Fatalf("nc to an allowed and a refused port, and a listener: stdout %q, stderr %q", r.stdout, r.stderr)
	}
}

// listen accepts connections on a loopback port and closes them. (With
// x/sys rather than package net, which links the test binary, and so
// its nodes, dynamically unless CGO_ENABLED=0.)
func listen(t *testing.T) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	unix.Listen(fd, 8)
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, _, err := unix.Accept4(fd, unix.SOCK_CLOEXEC)
			if err != nil {
				return
			}
			unix.Close(conn)
		}
	}()
	t.Cleanup(func() {
		unix.Shutdown(fd, unix.SHUT_RDWR) // ends the blocked accept
		<-done
		unix.Close(fd)
	})
	return sa.(*unix.SockaddrInet4).Port
}

// Bad input names what was wrong, and confines nothing.
func TestLandlockErrors(t *testing.T) {
	e, ctx := start(t)
	requireLandlock(t, e, ctx)
	c := fork(t, e, ctx, nil)
	cases := []struct {
		call string
		args []any
		want string
	}{
		{"landlock", []any{builtins.Record{"ro": []any{"/nonexistent/alsh"}}}, "/nonexistent/alsh"},
		{"landlock", []any{builtins.Record{"rO": []any{"/usr"}}}, "unknown field rO"},
		{"landlock", []any{builtins.Record{"ro": []any{"/usr"}, "mode": builtins.Const("best_efort")}}, "strict or best_effort"},
		{"landlock", []any{builtins.Record{"connect_tcp": []any{int64(70000)}}}, "port from 0 to 65535"},
		{"landlock_create_ruleset", []any{consts("read_fiel")}, "did you mean read_file"},
		{"landlock_create_ruleset", []any{consts("read_file"), consts("connect_udp")}, "connect_tcp"},
	}
	for _, tc := range cases {
		if _, err := e.Call(ctx, c, tc.call, tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: %v, want %q", tc.call, builtins.Format(tc.args), err, tc.want)
		}
	}
	if got := call(t, e, ctx, c, "readdir", "/etc"); len(got.([]any)) == 0 {
		t.Fatal("a failed landlock call confined the node")
	}
}

// What a node set on its main thread reaches the children it forks
// afterwards, and their programs: the bounding set, the Landlock domain
// and the seccomp filter.
func TestPrimitivesReachForkedChild(t *testing.T) {
	testutil.RequirePrivileged(t)
	noRaceBuild(t, "is linked dynamically: its nodes would need exec rights on the ELF interpreter, which this Landlock domain does not grant")
	bb := busybox(t)
	e, ctx := start(t)
	requireLandlock(t, e, ctx)
	box, other := t.TempDir(), t.TempDir()
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "capbset_drop", consts("cap_sys_admin"))
	call(t, e, ctx, c, "landlock", builtins.Record{"ro": []any{"/usr", "/proc"}, "rw": []any{box}, "exec": []any{"/usr/bin"}})
	call(t, e, ctx, c, "seccomp_load", builtins.Record{"default": builtins.Const("allow"),
		"rules": []any{builtins.Record{"syscall": "unshare", "action": builtins.Record{"errno": builtins.Const("eperm")}}}})
	g := fork(t, e, ctx, c)
	r := runIn(t, e, ctx, g, bb, "sh", "-c", "cat /proc/self/status; echo x > "+other+"/f; "+bb+" unshare -r true")
	if statusMask(t, r.stdout, "CapBnd")&(1<<capSysAdmin) != 0 || statusValue(r.stdout, "Seccomp") != "2" ||
		statusValue(r.stdout, "NoNewPrivs") != "1" || strings.Count(r.stderr, "Permission denied") != 1 ||
		!strings.Contains(r.stderr, "Operation not permitted") {
		t.Fatalf("the forked child's program: stdout %q, stderr %q", r.stdout, r.stderr)
	}
}

// landlock_add_rule and landlock_add_port are marked Pure: a node's spare
// child (option prefork) made before the rule stays a faithful fork,
// because the rule goes into the ruleset that the spare's inherited fd
// shares. (The ruleset fd is close-on-exec, which a child's boot would
// close: the test clears the flag so the fd reaches the child.) Here the
// fork after the rule is that spare (its host pid was the node's only
// other child before), and the rule holds in it: its program lists /usr,
// and is refused /etc, which no rule allows.
func TestPreforkSpareSharesLandlockRules(t *testing.T) {
	bb := busybox(t)
	e, ctx := start(t)
	requireLandlock(t, e, ctx)
	a := fork(t, e, ctx, nil)
	call(t, e, ctx, a, "setopt", builtins.Const("prefork"), int64(1))
	known := []int{e.hostPid(t, fork(t, e, ctx, a))} // a has forked: it keeps a spare from now on
	known = append(known, spareOf(t, e.hostPid(t, a), known...))
	rs := call(t, e, ctx, a, "landlock_create_ruleset", consts("execute", "read_file", "read_dir"))
	known = append(known, spareOf(t, e.hostPid(t, a), known...)) // each call drops the spare: it makes a new one
	call(t, e, ctx, a, "fcntl", rs, builtins.Const("f_setfd"), int64(0))
	known = append(known, spareOf(t, e.hostPid(t, a), known...))
	spare := known[len(known)-1]
	call(t, e, ctx, a, "landlock_add_rule", rs, "/usr", consts("execute", "read_file", "read_dir"))
	c := fork(t, e, ctx, a)
	if got := e.hostPid(t, c); got != spare {
		t.Fatalf("the fork after landlock_add_rule is pid %d, not the spare %d: the call dropped it", got, spare)
	}
	call(t, e, ctx, c, "no_new_privs")
	call(t, e, ctx, c, "landlock_restrict_self", rs)
	r := runIn(t, e, ctx, c, bb, "sh", "-c", "ls /usr >/dev/null && echo usr ok; cat /etc/hostname; echo etc $?")
	if r.stdout != "usr ok\netc 1\n" || !strings.Contains(r.stderr, "Permission denied") {
		t.Fatalf("the spare's program under the ruleset: stdout %q, stderr %q", r.stdout, r.stderr)
	}
}

// spareOf waits until the node of host pid node has exactly one child
// besides those known (its children and the spares it dropped, which may
// not be reaped yet), and returns it: its spare.
func spareOf(t *testing.T, node int, known ...int) int {
	t.Helper()
	path := fmt.Sprintf("/proc/%d/task/%d/children", node, node)
	var others []int
	for range 500 {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		others = others[:0]
		for _, f := range strings.Fields(string(b)) {
			if pid, _ := strconv.Atoi(f); !slices.Contains(known, pid) {
				others = append(others, pid)
			}
		}
		if len(others) == 1 {
			return others[0]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("node %d's children besides %v: %v, want one spare", node, known, others)
	return 0
}
