package engine

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// Escape checks: a sandboxed program looks, from inside, for a way back to
// the driver or the nodes. Its node c is pid 1 of a new pid namespace
// (with new mount, uts, ipc and net namespaces) and stays a node; the
// program is c's child d, chrooted into a jail with the namespace's /proc:
// the worst case, a node in the program's sight.

// escapeProbe is what the program runs: it lists the pids and fds it can
// see, tries to write the node's binary through /proc/1/exe and to open
// the node's fds (for reading, taking nothing), and lists the unix
// sockets of its network namespace.
const escapeProbe = `
echo "self $$"
for p in /proc/[0-9]*; do
	for f in $p/fd/*; do
		l=$(/busybox readlink $f) && echo "fd $f $l"
	done
done
echo "exe1 $(/busybox readlink /proc/1/exe)"
if echo x >> /proc/1/exe; then echo "EXE WRITTEN"; else echo "exe write refused"; fi
if echo x >> /proc/1/fd/5; then echo "EXE FD WRITTEN"; fi
for f in 0 1 2 3 4 5 6 7 8 9; do
	if /busybox true < /proc/1/fd/$f; then echo "OPENED /proc/1/fd/$f $(/busybox readlink /proc/1/fd/$f)"; fi
done
echo "unix sockets:"
/busybox cat /proc/net/unix
exit 0
`

// sandboxedProbe runs escapeProbe as uid in the sandbox described above
// and returns its stdout.
func sandboxedProbe(t *testing.T, uid int64) string {
	t.Helper()
	testutil.RequirePrivileged(t)
	jail := busyboxJail(t)
	if err := os.Mkdir(filepath.Join(jail, "proc"), 0o555); err != nil {
		t.Fatal(err)
	}
	e, ctx := start(t)
	c := append([]int(nil), int(call(t, e, ctx, nil, "clone", []any{builtins.Const("clone_newpid"), builtins.Const("clone_newns"),
		builtins.Const("clone_newuts"), builtins.Const("clone_newipc"), builtins.Const("clone_newnet")}).(int64)))
	call(t, e, ctx, c, "mount", "none", "/", "", []any{builtins.Const("ms_rec"), builtins.Const("ms_private")}, "")
	bootNode(t, e, ctx, c) // c boots: a Go runtime, the alsh binary, in the program's pid namespace
	d := fork(t, e, ctx, c)
	call(t, e, ctx, d, "mount", "proc", filepath.Join(jail, "proc"), "proc", []any{}, "")
	call(t, e, ctx, d, "chroot", jail)
	call(t, e, ctx, d, "chdir", "/")
	call(t, e, ctx, d, "setgid", uid)
	call(t, e, ctx, d, "setuid", uid)
	call(t, e, ctx, d, "execvp", "/busybox", []any{"/busybox", "sh", "-c", escapeProbe})
	return probeOutput(t, e, ctx, d)
}

func probeOutput(t *testing.T, e *Engine, ctx context.Context, d []int) string {
	t.Helper()
	if ev := builtins.Format(event(t, e, ctx, d)); ev != "{exit_status: 0}" {
		t.Fatalf("probe: event %s, stderr %q", ev, call(t, e, ctx, d, "stderr"))
	}
	out := call(t, e, ctx, d, "stdout").(string)
	t.Logf("probe said:\n%s", out)
	return out
}

// As root in the node's pid namespace the program sees the node, but
// cannot write the binary it runs (the file through a read-only mount in
// no namespace, or a sealed memfd copy: the CVE-2019-5736 class), nor open its control socket, and
// finds no unix socket of the driver's in its network namespace. (Root
// there may open the node's pipes, as it may signal or trace the node: a
// sandbox changes uid, or keeps nodes out of the program's pid namespace.)
func TestEscapeAsRootInNodesPidNamespace(t *testing.T) {
	self, _ := os.Executable()
	before := fileSum(t, self)
	out := sandboxedProbe(t, 0)
	if l := line(out, "exe1"); l != "exe1 /" && !strings.HasPrefix(l, "exe1 /memfd:") {
		t.Errorf("the node in sight runs %q, want its read-only image (/) or its sealed memfd", l)
	}
	if strings.Contains(out, "EXE WRITTEN") || !strings.Contains(out, "exe write refused") {
		t.Errorf("the program wrote the node's binary through /proc/1/exe")
	}
	if l := line(out, "fd /proc/1/fd/5 "); l != "fd /proc/1/fd/5 /" && !strings.HasPrefix(l, "fd /proc/1/fd/5 /memfd:alsh") || strings.Contains(out, "EXE FD WRITTEN") {
		t.Errorf("the program wrote the node's image of the binary (fd 5), or it is not there: %q", l)
	}
	if m := regexp.MustCompile(`OPENED /proc/1/fd/\d+ socket:.*`).FindString(out); m != "" {
		t.Errorf("the program opened the node's control socket: %s", m)
	}
	if strings.Contains(after(out, "unix sockets:"), "alsh") {
		t.Errorf("the program sees the driver's socket:\n%s", after(out, "unix sockets:"))
	}
	if fileSum(t, self) != before {
		t.Errorf("the alsh binary (%s) changed", self)
	}
}

// As another uid (a sandbox's setuid), the program sees no fd but its
// own: not the node's, not the driver's.
func TestEscapeAsUserInNodesPidNamespace(t *testing.T) {
	out := sandboxedProbe(t, int64(0xf0000000+os.Getpid()%0xffff))
	self := strings.TrimPrefix(line(out, "self"), "self ")
	if _, err := strconv.Atoi(self); err != nil {
		t.Fatalf("no pid in %q", line(out, "self"))
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "fd ") && !strings.HasPrefix(l, "fd /proc/"+self+"/") && !strings.HasPrefix(l, "fd /proc/self/") {
			t.Errorf("the program reads another process's fd: %s", l)
		}
		if strings.HasPrefix(l, "OPENED ") || strings.Contains(l, "socket:") {
			t.Errorf("the program reached a node's fd: %s", l)
		}
	}
	if strings.Contains(out, "EXE WRITTEN") {
		t.Errorf("the program wrote the node's binary through /proc/1/exe")
	}
}

func fileSum(t *testing.T, path string) [32]byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// line is the first line of out that starts with prefix.
func line(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func after(out, marker string) string {
	_, rest, _ := strings.Cut(out, marker)
	return rest
}
