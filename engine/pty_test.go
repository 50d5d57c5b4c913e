package engine_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// until takes stdout of pl until it holds want, and returns what came.
func (s *sc) until(pl []int, want string) string {
	s.t.Helper()
	var got strings.Builder
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		v, err := s.e.Call(s.ctx, pl, "stdout", []any{int64(200)})
		if err != nil {
			s.t.Fatalf("stdout %v while waiting for %q: %v (got %q)", pl, want, err, got.String())
		}
		got.WriteString(v.(string))
		if strings.Contains(got.String(), want) {
			return got.String()
		}
	}
	s.t.Fatalf("%v: no %q in its output within 10s: %q", pl, want, got.String())
	return ""
}

// statFields reads /proc/PID/stat after the command's parentheses.
func statFields(t *testing.T, pid int) []string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
}

// A shell on a pty in a chroot without /dev/pts, as nobody: it is
// interactive (a prompt), its session and controlling terminal are its
// own (seen in /proc from outside), it answers, and pty_resize changes
// what stty reports.
func TestPtyShellInJail(t *testing.T) {
	testutil.RequirePrivileged(t)
	testutil.RequireStaticBinary(t)
	s := startSC(t)
	jail := jailWithBusybox(t)
	c := s.fork(nil)
	s.call(c, "chroot", jail)
	s.call(c, "chdir", "/")
	s.call(c, "setgid", int64(65534))
	s.call(c, "setuid", int64(65534))
	s.call(c, "pty", int64(24), int64(80))
	s.call(c, "execvp", "/busybox", strList("sh", "-i"))
	s.until(c, "$ ")
	pid := 0
	for _, p := range s.e.Processes() {
		if len(p.Pipeline) == 1 && p.Pipeline[0] == c[0] {
			pid = p.HostPid
		}
	}
	st := statFields(t, pid) // state ppid pgrp session tty_nr tpgid
	if st[3] != fmt.Sprint(pid) || st[4] == "0" {
		t.Fatalf("the shell's session %s (want its pid %d), tty_nr %s (want a terminal)", st[3], pid, st[4])
	}
	s.call(c, "stdin", "echo pid=$$\n")
	s.until(c, fmt.Sprintf("pid=%d", c[0]))
	s.call(c, "stdin", "/busybox stty size\n")
	s.until(c, "24 80")
	s.call(c, "pty_resize", int64(50), int64(132))
	s.call(c, "stdin", "/busybox stty size\n")
	s.until(c, "50 132")
	s.call(c, "stdin", "exit 3\n")
	if ev := builtins.Format(s.call(c, "event", int64(10000))); ev != "{exit_status: 3}" {
		t.Fatalf("exit from inside the shell: %s", ev)
	}
}

// Full-screen programs run on the pty: top -b -n 1 ends well, and vi
// edits a file with the keys a user would type.
func TestPtyFullScreenPrograms(t *testing.T) {
	testutil.RequirePrivileged(t)
	if _, err := os.Stat("/bin/busybox"); err != nil {
		testutil.Missing(t, "no /bin/busybox: install busybox-static", "no /bin/busybox")
	}
	s := startSC(t)
	top := s.fork(nil)
	s.call(top, "pty", int64(30), int64(100))
	s.call(top, "execvp", "/bin/busybox", strList("top", "-b", "-n", "1"))
	out := s.until(top, "PID")
	if ev := builtins.Format(s.call(top, "event", int64(10000))); ev != "{exit_status: 0}" {
		t.Fatalf("top -b -n 1 on a pty: %s, output %q", ev, out)
	}
	file := filepath.Join(t.TempDir(), "edited")
	vi := s.fork(nil)
	s.call(vi, "pty", int64(24), int64(80))
	s.call(vi, "execvp", "/bin/busybox", strList("vi", file))
	s.until(vi, "~") // the empty buffer's tildes
	s.call(vi, "stdin", "ityped in vi")
	s.until(vi, "typed in vi") // echoed by vi: it reads the terminal raw
	s.call(vi, "stdin", "\x1b")
	time.Sleep(300 * time.Millisecond) // an escape alone, not the start of a key's sequence
	s.call(vi, "stdin", ":wq\r")
	if ev := builtins.Format(s.call(vi, "event", int64(10000))); ev != "{exit_status: 0}" {
		t.Fatalf("vi: %s", ev)
	}
	if b, _ := os.ReadFile(file); string(b) != "typed in vi\n" {
		t.Fatalf("vi wrote %q", b)
	}
}

// No fd of a pty reaches another program, and a program without a pty
// has no controlling terminal: /dev/tty cannot be opened (the TIOCSTI
// class of escape, CVE-2017-5226, needs one).
func TestPtyDoesNotLeak(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	a := s.fork(nil)
	s.call(a, "pty", int64(24), int64(80))
	s.call(a, "execvp", "/bin/sh", strList("sh", "-c", "ls -l /proc/self/fd; echo listed; sleep 100"))
	own := s.until(a, "listed")
	if n := strings.Count(own, "/dev/pts/"); n < 3 {
		t.Fatalf("the program on the pty has %d fds on it: %s", n, own)
	}
	if strings.Contains(own, "ptmx") {
		t.Fatalf("the program has the master side: %s", own)
	}
	b := s.fork(nil)
	s.call(b, "execvp", "/bin/sh", strList("sh", "-c",
		"ls -l /proc/self/fd; if (exec 3</dev/tty) 2>/dev/null; then echo TTY-OPENED; else echo no-tty; fi; cat /proc/self/stat"))
	out := s.output(b)
	if strings.Contains(out, "/dev/pts/") || strings.Contains(out, "ptmx") || strings.Contains(out, "TTY-OPENED") {
		t.Fatalf("a program without a pty reaches a terminal: %s", out)
	}
	if !strings.Contains(out, "no-tty") {
		t.Fatalf("no answer from the /dev/tty check: %s", out)
	}
	stat := out[strings.LastIndexByte(out, ')')+2:]
	if f := strings.Fields(stat); len(f) < 5 || f[4] != "0" {
		t.Fatalf("a program without a pty has a controlling terminal: tty_nr in %q", stat)
	}
}

// The Go API: the terminal as an io.ReadWriter, and Resize.
func TestPtyTerminalReadWriter(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	c := s.fork(nil)
	if err := s.e.Pty(s.ctx, c, 24, 80); err != nil {
		t.Fatal(err)
	}
	s.call(c, "execvp", "/bin/sh", strList("sh", "-i"))
	term, err := s.e.Terminal(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := term.Resize(33, 99); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(term, "stty size; exit\n")
	b, err := io.ReadAll(term)
	if err != nil || !strings.Contains(string(b), "33 99") {
		t.Fatalf("read %q, %v; want the size set by Resize", b, err)
	}
	if _, err := s.e.Terminal(s.fork(nil)); !errors.Is(err, builtins.ErrBadArg) {
		t.Fatalf("Terminal of a process without a pty: %v", err)
	}
}

// Bad targets: the root leads its process group (no new session for it),
// pty_resize and Terminal on a process without a pty.
func TestPtyErrors(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	if err := s.fails(nil, "pty", int64(24), int64(80)); !errors.Is(err, unix.EPERM) {
		t.Fatalf("pty on the root: %v, want eperm", err)
	}
	c := s.fork(nil)
	if err := s.fails(c, "pty_resize", int64(24), int64(80)); !errors.Is(err, builtins.ErrBadArg) ||
		!strings.Contains(err.Error(), "no terminal") {
		t.Fatalf("pty_resize without a pty: %v", err)
	}
	if err := s.fails(c, "pty", int64(70000), int64(80)); !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("pty with 70000 rows: %v", err)
	}
	assertNoPtmx(t)
}

// assertNoPtmx: the driver holds no master of a pty that failed.
func assertNoPtmx(t *testing.T) {
	t.Helper()
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		if l, _ := os.Readlink("/proc/self/fd/" + e.Name()); strings.Contains(l, "ptmx") {
			t.Fatalf("the driver holds fd %s on %s", e.Name(), l)
		}
	}
}
