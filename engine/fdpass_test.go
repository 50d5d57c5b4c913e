package engine_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// fd_pass hands a file only root may read to a child that is chrooted
// into a jail without it and runs as nobody: a program it execs reads the
// file through the fd (put at 20, fd_inheritable), as nsjail's --pass_fd
// does. The driver keeps no copy.
func TestFdPassReachesSandboxedProgram(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("for the sandbox only\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	jail := jailWithBusybox(t)
	fd := s.int(nil, "open", secret, consts("o_rdonly", "o_cloexec"))
	c := s.fork(nil)
	if got := s.int(nil, "fd_pass", toAny(c), fd, builtins.Const("fd_inheritable"), int64(20)); got != 20 {
		t.Fatalf("fd_pass to fd 20 returned %d", got)
	}
	if fl := s.int(c, "fcntl", int64(20), builtins.Const("f_getfd")); fl&unix.FD_CLOEXEC != 0 {
		t.Fatalf("fd_inheritable left close-on-exec set (flags %d)", fl)
	}
	assertDriverHolds(t, secret, false)
	s.call(c, "chroot", jail)
	s.call(c, "chdir", "/")
	s.call(c, "setgid", int64(65534))
	s.call(c, "setuid", int64(65534))
	s.call(c, "execvp", "/busybox", strList("sh", "-c", "/busybox cat <&20"))
	if out := s.output(c); out != "for the sandbox only\n" {
		t.Fatalf("the program read %q through fd 20", out)
	}
}

// Without fd_inheritable the received fd is close-on-exec: the node can
// read it, an exec'd program does not have it.
func TestFdPassStaysCloseOnExec(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, []byte("node only\n"), 0o644)
	a := s.fork(nil)
	b := s.fork(nil)
	fd := s.int(a, "open", path, builtins.Const("o_rdonly"))
	got := s.int(a, "fd_pass", toAny(b), fd)
	if fl := s.int(b, "fcntl", got, builtins.Const("f_getfd")); fl&unix.FD_CLOEXEC == 0 {
		t.Fatalf("the received fd %d is not close-on-exec", got)
	}
	if data := s.call(b, "read", got, int64(100)); data != "node only\n" {
		t.Fatalf("the receiver read %s", builtins.Format(data))
	}
	n := itoa(int(got))
	s.call(b, "execvp", "/bin/sh", strList("sh", "-c", "ls -l /proc/self/fd/"+n+" 2>&1; cat <&"+n))
	ev := s.call(b, "event", int64(10000))
	out := s.call(b, "stdout", int64(0)).(string)
	if builtins.Format(ev) == "{exit_status: 0}" || strings.Contains(out, "node only") || strings.Contains(out, path) {
		t.Fatalf("the program had fd %s: %s, output %q", n, builtins.Format(ev), out)
	}
	assertDriverHolds(t, path, false)
}

// Bad input: a closed fd, a target among the node's own fds, a program
// as receiver, fd_recv made by hand; each a clear error.
func TestFdPassErrors(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	a := s.fork(nil)
	if err := s.fails(nil, "fd_pass", toAny(a), int64(999)); !errors.Is(err, unix.EBADF) {
		t.Fatalf("fd_pass of a closed fd: %v, want ebadf", err)
	}
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, nil, 0o644)
	fd := s.int(nil, "open", path, builtins.Const("o_rdonly"))
	if err := s.fails(nil, "fd_pass", toAny(a), fd, int64(0), int64(3)); !errors.Is(err, unix.EBUSY) ||
		!strings.Contains(err.Error(), "the node's own") {
		t.Fatalf("fd_pass onto the node's control socket: %v, want ebusy", err)
	}
	if err := s.fails(a, "fd_recv", int64(0), int64(-1)); !errors.Is(err, builtins.ErrBadArg) ||
		!strings.Contains(err.Error(), "use fd_pass") {
		t.Fatalf("fd_recv by hand: %v", err)
	}
	if err := s.fails(nil, "fd_pass", toAny(a), fd, int64(2)); !strings.Contains(err.Error(), "unknown flags") {
		t.Fatalf("fd_pass with an unknown flag: %v", err)
	}
	s.call(a, "execvp", "/bin/sleep", strList("sleep", "100"))
	if err := s.fails(nil, "fd_pass", toAny(a), fd); !errors.Is(err, builtins.ErrNotNode) {
		t.Fatalf("fd_pass to a program: %v, want notnode", err)
	}
	// the node that failed to take the fd did not keep it either
	assertDriverHolds(t, path, false)
}

func toAny(pl []int) []any {
	l := make([]any, len(pl))
	for i, p := range pl {
		l[i] = int64(p)
	}
	return l
}

// assertDriverHolds checks whether the test process (the driver) has an
// fd open on path.
func assertDriverHolds(t *testing.T, path string, want bool) {
	t.Helper()
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		if l, _ := os.Readlink("/proc/self/fd/" + e.Name()); l == path {
			if !want {
				t.Fatalf("the driver holds fd %s on %s", e.Name(), path)
			}
			return
		}
	}
	if want {
		t.Fatalf("the driver holds no fd on %s", path)
	}
}

// jailWithBusybox is an empty root holding only a static busybox at
// /busybox: no /dev, no /proc, no /dev/pts.
func jailWithBusybox(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/bin/busybox")
	if err != nil {
		testutil.Missing(t, "no /bin/busybox: install busybox-static", "no /bin/busybox (apt-get install busybox-static)")
	}
	jail := t.TempDir()
	os.Chmod(jail, 0o755)
	if err := os.WriteFile(filepath.Join(jail, "busybox"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	return jail
}
