package engine_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// open, write, lseek (which returns the offset), read and close, with
// the file's content as the oracle.
func TestOpenWriteLseekRead(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	f := filepath.Join(t.TempDir(), "f")
	fd := s.call(c, "open", f, consts("o_rdwr", "o_creat", "o_excl"), int64(0o600))
	if n := s.int(c, "write", fd, "hello world"); n != 11 {
		t.Fatalf("write = %d", n)
	}
	if off := s.int(c, "lseek", fd, int64(6), int64(0)); off != 6 {
		t.Fatalf("lseek 6 set = %d", off)
	}
	if got := s.call(c, "read", fd, int64(100)); got != "world" {
		t.Fatalf("read = %v", got)
	}
	if got := s.call(c, "read", fd, int64(100)); got != "" {
		t.Fatalf("read at end of file = %v", got)
	}
	if off := s.int(c, "lseek", fd, int64(0), int64(2)); off != 11 {
		t.Fatalf("lseek 0 end = %d", off)
	}
	s.call(c, "close", fd)
	if b, err := os.ReadFile(f); err != nil || string(b) != "hello world" {
		t.Fatalf("file holds %q %v", b, err)
	}
	if err := s.fails(c, "read", fd, int64(1)); !errors.Is(err, unix.EBADF) {
		t.Fatalf("read of a closed fd: %v, want ebadf", err)
	}
	if err := s.fails(c, "open", f, consts("o_rdwr", "o_creat", "o_excl"), int64(0o600)); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("open o_excl of an existing file: %v, want eexist", err)
	}
}

// read returns at most 64 KiB, whatever the count.
func TestReadIsCapped(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	fd := s.call(c, "open", "/dev/zero", builtins.Const("o_rdonly"))
	if got := s.call(c, "read", fd, int64(1<<20)).(string); len(got) != 65536 {
		t.Fatalf("read 1 MiB of /dev/zero gave %d bytes", len(got))
	}
}

// alcove_SUITE open: a missing path with flags as an int, a list of ints
// or a list of constants gives enoent.
func TestAlcoveOpen(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	for _, flags := range []any{int64(unix.O_RDONLY), []any{int64(unix.O_RDONLY), int64(unix.O_CLOEXEC)},
		consts("o_rdonly", "o_cloexec")} {
		if err := s.fails(c, "open", "/nonexistent", flags, int64(0)); !errors.Is(err, unix.ENOENT) {
			t.Fatalf("open /nonexistent %s: %v, want enoent", builtins.Format(flags), err)
		}
	}
}

// An fd opened without o_cloexec is inherited by the program the node
// runs (as in alcove); with o_cloexec it is not.
func TestOpenInheritedByExec(t *testing.T) {
	s := startSC(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		flags []string
		want  string
	}{{[]string{"o_wronly", "o_creat"}, "hi\n"}, {[]string{"o_wronly", "o_creat", "o_cloexec"}, ""}} {
		c := s.fork(nil)
		f := filepath.Join(dir, strings.Join(tc.flags, "-"))
		fd := s.int(c, "open", f, consts(tc.flags...), int64(0o600))
		s.call(c, "execvp", "/bin/sh", strList("sh", "-c", "echo hi >/proc/self/fd/"+itoa(int(fd))))
		s.output(c)
		if b, _ := os.ReadFile(f); string(b) != tc.want {
			t.Fatalf("%v: the program wrote %q, want %q", tc.flags, b, tc.want)
		}
	}
}

// alcove_SUITE fcntl: clearing and restoring fd_cloexec, read back with
// f_getfd.
func TestAlcoveFcntl(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	fd := s.call(c, "open", "/dev/null", consts("o_rdonly", "o_cloexec"))
	getfd := func() int64 { return s.int(c, "fcntl", fd, builtins.Const("f_getfd")) }
	if getfd() != unix.FD_CLOEXEC {
		t.Fatal("o_cloexec fd lacks fd_cloexec")
	}
	s.call(c, "fcntl", fd, builtins.Const("f_setfd"), int64(0))
	if getfd() != 0 {
		t.Fatal("fd_cloexec not cleared")
	}
	s.call(c, "fcntl", fd, builtins.Const("f_setfd"), builtins.Const("fd_cloexec"))
	if getfd() != unix.FD_CLOEXEC {
		t.Fatal("fd_cloexec not restored")
	}
	if fl := s.int(c, "fcntl", fd, builtins.Const("f_getfl")); fl&unix.O_ACCMODE != unix.O_RDONLY {
		t.Fatalf("f_getfl = %#x", fl)
	}
}

// alcove_SUITE select: /dev/null o_rdwr is readable and writable, with no
// timeout or {1, 1}; a bad fd is ebadf (alcove: badarg); a fifo with
// nothing in it times out.
func TestAlcoveSelect(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	fd := s.int(c, "open", "/dev/null", builtins.Const("o_rdwr"))
	want := builtins.Format(builtins.Record{"read": []any{fd}, "write": []any{fd}, "except": []any{}})
	l := []any{fd}
	if got := builtins.Format(s.call(c, "select", l, l, []any{})); got != want {
		t.Fatalf("select, no timeout = %s, want %s", got, want)
	}
	if got := builtins.Format(s.call(c, "select", l, l, []any{}, builtins.Record{"sec": int64(1), "usec": int64(1)})); got != want {
		t.Fatalf("select {1, 1} = %s, want %s", got, want)
	}
	closed := s.int(c, "open", "/dev/null", builtins.Const("o_rdonly"))
	s.call(c, "close", closed)
	// 900 is past the node's fd table, which the kernel's select ignores.
	for _, bad := range []int64{closed, 900} {
		if err := s.fails(c, "select", []any{bad}, []any{}, []any{}, builtins.Record{"sec": int64(0), "usec": int64(0)}); !errors.Is(err, unix.EBADF) {
			t.Fatalf("select of closed fd %d: %v, want ebadf", bad, err)
		}
	}
	fifo := filepath.Join(t.TempDir(), "fifo")
	s.call(c, "mkfifo", fifo, int64(0o600))
	p := s.int(c, "open", fifo, consts("o_rdwr", "o_nonblock"))
	short := builtins.Record{"sec": int64(0), "usec": int64(20000)}
	if got := builtins.Format(s.call(c, "select", []any{p}, []any{}, []any{}, short)); got != "{except: [], read: [], write: []}" {
		t.Fatalf("select of an empty fifo = %s", got)
	}
	s.call(c, "write", p, "x")
	if got := builtins.Format(s.call(c, "select", []any{p}, []any{}, []any{}, short)); got != "{except: [], read: ["+itoa(int(p))+"], write: []}" {
		t.Fatalf("select of a fifo with a byte = %s", got)
	}
}

// alcove_SUITE socket: af_inet sock_stream gives an fd (the kernel shows a
// socket there); close is ok.
func TestAlcoveSocket(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	fd := s.int(c, "socket", builtins.Const("af_inet"), builtins.Const("sock_stream"), int64(0))
	l, err := os.Readlink("/proc/" + itoa(leafPid(c)) + "/fd/" + itoa(int(fd)))
	if err != nil || !strings.HasPrefix(l, "socket:") {
		t.Fatalf("fd %d is %q %v, not a socket", fd, l, err)
	}
	s.call(c, "close", fd)
}
