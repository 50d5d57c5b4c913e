package engine_test

import (
	"errors"
	"github.com/alsh/alsh/engine/internal/testutil"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// pidfd_getfd: a node takes a copy of its child's open fd; the copy
// reads the same file from the same open file description (the child
// sees the offset move), and is close-on-exec.
func TestPidfdGetfd(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	path := filepath.Join(t.TempDir(), "shared")
	if err := os.WriteFile(path, []byte("read through a pidfd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := s.fork(nil)
	b := s.fork(a)
	fd := s.int(b, "open", path, builtins.Const("o_rdonly"))
	pfd := s.int(a, "pidfd_open", int64(leafPid(b)))
	dup := s.int(a, "pidfd_getfd", pfd, fd)
	if got := s.call(a, "read", dup, int64(100)); got != "read through a pidfd\n" {
		t.Fatalf("read from the dup'd fd: %s", builtins.Format(got))
	}
	if off := s.int(b, "lseek", fd, int64(0), int64(1)); off != 21 {
		t.Fatalf("the child's offset after the parent read its copy: %d, want 21", off)
	}
	if fl := s.int(a, "fcntl", dup, builtins.Const("f_getfd")); fl&unix.FD_CLOEXEC == 0 {
		t.Fatalf("the dup'd fd is not close-on-exec: flags %d", fl)
	}
	if err := s.fails(a, "pidfd_getfd", pfd, int64(999)); !errors.Is(err, unix.EBADF) {
		t.Fatalf("pidfd_getfd of a closed fd: %v, want ebadf", err)
	}
}

// pidfd_send_signal: the signal reaches the program behind the pidfd
// (its exit event says so); a stale pidfd gives esrch, not another
// process.
func TestPidfdSendSignal(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	c := s.fork(nil)
	pfd := s.int(nil, "pidfd_open", int64(leafPid(c)), builtins.Const("pidfd_nonblock"))
	if fl := s.int(nil, "fcntl", pfd, builtins.Const("f_getfl")); fl&unix.O_NONBLOCK == 0 {
		t.Fatalf("a pidfd opened with pidfd_nonblock has flags %#x", fl)
	}
	s.call(c, "execvp", "/bin/sleep", strList("sleep", "100"))
	s.call(nil, "pidfd_send_signal", pfd, builtins.Const("sigterm"))
	if ev := builtins.Format(s.call(c, "event", int64(5000))); ev != `{termsig: "sigterm"}` {
		t.Fatalf("sleep after pidfd_send_signal sigterm: %s", ev)
	}
	if err := s.fails(nil, "pidfd_send_signal", pfd, builtins.Const("sigterm")); !errors.Is(err, unix.ESRCH) {
		t.Fatalf("signal through the pidfd of a reaped process: %v, want esrch", err)
	}
	s.call(nil, "close", pfd)
	if err := s.fails(nil, "pidfd_open", int64(0x3fffffff)); !errors.Is(err, unix.ESRCH) && !errors.Is(err, unix.EINVAL) {
		t.Fatalf("pidfd_open of no process: %v", err)
	}
	if err := s.fails(nil, "pidfd_send_signal", int64(0), builtins.Const("sigterm")); !errors.Is(err, unix.EBADF) {
		t.Fatalf("pidfd_send_signal on stdin: %v, want ebadf", err)
	}
	if err := s.fails(nil, "pidfd_open", int64(1), builtins.Const("pidfd_nonblok")); err == nil ||
		!strings.Contains(err.Error(), "did you mean pidfd_nonblock") {
		t.Fatalf("a misspelt flag: %v", err)
	}
}
