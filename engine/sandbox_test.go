package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// Forking keeps working after chroot into a directory that holds neither
// /proc nor the alsh binary (the child runs from the memfd).
func TestForkAfterChrootWithoutProc(t *testing.T) {
	testutil.RequirePrivileged(t)
	noRaceBuild(t, "is linked dynamically: its nodes do not start in an empty jail")
	testutil.RequireStaticBinary(t)
	e, ctx := start(t)
	jail := t.TempDir()
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "chroot", jail)
	call(t, e, ctx, c, "chdir", "/")
	g := fork(t, e, ctx, c)
	if got := call(t, e, ctx, g, "getcwd").(string); got != "/" {
		t.Fatalf("getcwd in the jail's child = %q", got)
	}
	if _, err := os.Stat(filepath.Join(jail, "proc")); err == nil {
		t.Fatal("the jail has a /proc")
	}
}

// Forking keeps working after setuid to a user that cannot read the binary.
func TestForkAfterSetuid(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "setgid", int64(65534))
	call(t, e, ctx, c, "setuid", int64(65534))
	g := fork(t, e, ctx, c)
	if uid := procUid(leaf(g)); uid != 65534 {
		t.Fatalf("the child's uid is %d, want 65534", uid)
	}
	if _, err := e.Call(ctx, g, "setuid", []any{int64(0)}); !isErrno(err, unix.EPERM) {
		t.Fatalf("setuid 0 as nobody: %v, want eperm", err)
	}
}

// clone with pid+mnt+uts+ipc+net namespaces: the child is pid 1 of its pid
// namespace, and its namespaces differ from its parent's (the kernel's
// /proc/PID/ns links are the oracle).
func TestCloneNamespaces(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	flags := []any{builtins.Const("clone_newpid"), builtins.Const("clone_newns"),
		builtins.Const("clone_newuts"), builtins.Const("clone_newipc"), builtins.Const("clone_newnet")}
	pid := call(t, e, ctx, nil, "clone", flags).(int64)
	c := []int{int(pid)}
	if got := call(t, e, ctx, c, "getpid").(int64); got != 1 {
		t.Fatalf("getpid in a new pid namespace = %d, want 1", got)
	}
	for _, ns := range []string{"pid_for_children", "mnt", "uts", "ipc", "net"} {
		mine, _ := os.Readlink("/proc/self/ns/" + ns)
		theirs, err := os.Readlink("/proc/" + strconv.Itoa(int(pid)) + "/ns/" + ns)
		if err != nil || mine == theirs {
			t.Errorf("ns %s: child %q, driver %q (%v)", ns, theirs, mine, err)
		}
	}
	call(t, e, ctx, c, "sethostname", "alsh-test")
	if got := call(t, e, ctx, c, "gethostname").(string); got != "alsh-test" {
		t.Fatalf("gethostname = %q", got)
	}
	host, _ := os.Hostname()
	if host == "alsh-test" {
		t.Fatal("sethostname in the namespace changed the host's name")
	}
	g := fork(t, e, ctx, c) // forking inside the pid namespace works too
	if got := call(t, e, ctx, g, "getppid").(int64); got != 1 {
		t.Fatalf("getppid of a grandchild = %d, want 1", got)
	}
}

// clone_newuser with uid/gid maps: the parent writes the maps.
func TestCloneUserNamespaceMaps(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	maps := builtins.Record{"uid": "0 100000 1000", "gid": "0 100000 1000"}
	pid := call(t, e, ctx, nil, "clone", []any{builtins.Const("clone_newuser")}, maps).(int64)
	// The child runs as the map's first inside id (root) and keeps its
	// capabilities in the namespace: it can set its hostname in a new uts
	// namespace of its own.
	c := []int{int(pid)}
	g := call(t, e, ctx, c, "clone", []any{builtins.Const("clone_newuts")}).(int64)
	call(t, e, ctx, append(c, int(g)), "sethostname", "inside")
	b, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/uid_map")
	if err != nil || strings.Fields(string(b))[1] != "100000" {
		t.Fatalf("uid_map = %q (%v)", b, err)
	}
	if uid := procUid(int(pid)); uid != 100000 {
		t.Fatalf("the child's uid seen from the host = %d, want 100000", uid)
	}
	if _, err := e.Call(ctx, nil, "clone", []any{builtins.Const("clone_newuser"), builtins.Record{"uidd": "0 0 1"}}); err == nil ||
		!strings.Contains(err.Error(), "unknown field uidd") {
		t.Fatalf("clone with a misspelt map: %v", err)
	}
}

// The seed's sandbox: rlimits, chroot, setuid to a random high id, exec.
// With nproc 1 the program starts (the node switched uid on every thread
// first) but cannot fork; with nofile 0 it cannot open a file.
func TestSandboxNprocTrap(t *testing.T) {
	testutil.RequirePrivileged(t)
	noRaceBuild(t, "forks full nodes, whose threads pass RLIMIT_NPROC 1")
	testutil.RequireStaticBinary(t)
	jail := busyboxJail(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	zero := builtins.Record{"cur": int64(0), "max": int64(0)}
	call(t, e, ctx, c, "setrlimit", builtins.Const("rlimit_fsize"), zero)
	call(t, e, ctx, c, "setrlimit", builtins.Const("rlimit_nofile"), zero)
	call(t, e, ctx, c, "setrlimit", builtins.Const("rlimit_nproc"), builtins.Record{"cur": int64(1), "max": int64(1)})
	call(t, e, ctx, c, "chroot", jail)
	call(t, e, ctx, c, "chdir", "/")
	id := int64(0xf0000000 + os.Getpid()%0xffff)
	call(t, e, ctx, c, "setgid", id)
	call(t, e, ctx, c, "setuid", id)
	call(t, e, ctx, c, "execvp", "/busybox", []any{"/busybox", "sh"})
	checkSandboxedShell(t, e, ctx, c)
}

// checkSandboxedShell feeds a sandboxed busybox sh (nofile 0, nproc 1)
// three lines: a builtin works, creating a file and forking fail.
func checkSandboxedShell(t *testing.T, e *Engine, ctx context.Context, c []int) {
	t.Helper()
	call(t, e, ctx, c, "stdin", "echo still here\necho hi > /file\n/busybox true\nexit 0\n")
	event(t, e, ctx, c)
	errs := call(t, e, ctx, c, "stderr").(string)
	out := call(t, e, ctx, c, "stdout").(string)
	if !strings.Contains(errs, "can't create /file") || !strings.Contains(errs, "can't fork") || out != "still here\n" {
		t.Fatalf("sandboxed sh: stdout %q, stderr %q", out, errs)
	}
}

// busyboxJail makes a directory holding only a static busybox.
func busyboxJail(t testing.TB) string {
	t.Helper()
	src := "/bin/busybox"
	if _, err := os.Stat(src); err != nil {
		testutil.Missing(t, "no /bin/busybox: install busybox-static", "no /bin/busybox (apt-get install busybox-static)")
	}
	jail := t.TempDir()
	os.Chmod(jail, 0o755)
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(jail, "busybox"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	return jail
}

// A sandboxed program (its node switched uid, which clears the kernel's
// parent-death signal) still ends when its parent node is killed outright.
func TestKillParentOfSetuidProgram(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	a := fork(t, e, ctx, nil)
	b := fork(t, e, ctx, a)
	call(t, e, ctx, b, "setgid", int64(65534))
	call(t, e, ctx, b, "setuid", int64(65534))
	call(t, e, ctx, b, "execvp", "/bin/sleep", []any{"sleep", "1000"})
	sleeper := e.hostPid(t, b)
	call(t, e, ctx, nil, "kill", int64(leaf(a)), builtins.Const("sigkill"))
	testutil.WaitDead(t, sleeper)
}

// With prefork, a clone takes a spare made with the same flags: it is in
// namespaces of its own (pid 1 of a new pid namespace), as a fresh clone.
func TestPreforkClone(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	call(t, e, ctx, nil, "setopt", builtins.Const("prefork"), int64(1))
	flags := []any{builtins.Const("clone_newpid"), builtins.Const("clone_newuts")}
	var seen []string
	for i := 0; i < 3; i++ {
		pid := call(t, e, ctx, nil, "clone", flags).(int64)
		c := []int{int(pid)}
		if got := call(t, e, ctx, c, "getpid").(int64); got != 1 {
			t.Fatalf("clone %d: getpid = %d, want 1", i, got)
		}
		ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/uts", e.hostPid(t, c)))
		for _, s := range seen {
			if s == ns {
				t.Fatalf("clone %d shares uts namespace %s with an earlier one", i, ns)
			}
		}
		seen = append(seen, ns)
		time.Sleep(10 * time.Millisecond) // let the node boot its next spare
	}
	g := fork(t, e, ctx, nil) // other flags: no spare of these, a fresh fork
	mine, _ := os.Readlink("/proc/self/ns/uts")
	if ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/uts", e.hostPid(t, g))); ns != mine {
		t.Fatalf("a fork after clones is in uts %s, not its parent's %s", ns, mine)
	}
}

// The seed's sandbox in one spawn: rlimits, chroot, gid and uid applied
// between fork and exec; the shell cannot create a file or fork.
func TestSpawnSandbox(t *testing.T) {
	testutil.RequirePrivileged(t)
	jail := busyboxJail(t)
	e, ctx := start(t)
	zero := builtins.Record{"cur": int64(0), "max": int64(0)}
	id := int64(0xf0000000 + os.Getpid()%0xffff)
	opts := builtins.Record{"chroot": jail, "chdir": "/", "uid": id, "gid": id,
		"rlimits": builtins.Record{"fsize": zero, "nofile": zero, "nproc": builtins.Record{"cur": int64(1), "max": int64(1)}}}
	pid := call(t, e, ctx, nil, "spawn", "/busybox", []any{"/busybox", "sh"}, opts).(int64)
	c := []int{int(pid)}
	if uid := procUid(e.hostPid(t, c)); uid != int(id) {
		t.Fatalf("the sandboxed shell runs as uid %d, want %d", uid, id)
	}
	checkSandboxedShell(t, e, ctx, c)
}

// A spare made before setuid or setrlimit would be a fork from before
// them: every call that is not pure discards it, so forks stay faithful.
func TestPreforkDiscardedByStateChanges(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	a := fork(t, e, ctx, nil)
	call(t, e, ctx, a, "setopt", builtins.Const("prefork"), int64(1))
	fork(t, e, ctx, a) // a has forked: it keeps a spare from now on
	time.Sleep(10 * time.Millisecond)
	call(t, e, ctx, a, "setrlimit", builtins.Const("rlimit_nofile"), builtins.Record{"cur": int64(77), "max": int64(77)})
	call(t, e, ctx, a, "setgid", int64(65534))
	call(t, e, ctx, a, "setuid", int64(65534))
	c := fork(t, e, ctx, a)
	if uid := procUid(e.hostPid(t, c)); uid != 65534 {
		t.Fatalf("a fork after setuid runs as uid %d", uid)
	}
	if lim := call(t, e, ctx, c, "getrlimit", builtins.Const("rlimit_nofile")); builtins.Format(lim) != "{cur: 77, max: 77}" {
		t.Fatalf("a fork after setrlimit has nofile %s", builtins.Format(lim))
	}
}
