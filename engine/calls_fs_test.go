package engine_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// alcove_SUITE chdir: chdir "/" then getcwd is "/".
func TestAlcoveChdir(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	s.call(c, "chdir", "/")
	if got := s.call(c, "getcwd"); got != "/" {
		t.Fatalf("getcwd = %v", got)
	}
}

// alcove_SUITE chroot: chroot to /bin is ok; /proc/PID/root shows it.
func TestAlcoveChroot(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	c := s.fork(nil)
	s.call(c, "chroot", "/bin")
	want, err := filepath.EvalSymlinks("/bin")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.Readlink("/proc/" + itoa(leafPid(c)) + "/root"); err != nil || got != want {
		t.Fatalf("/proc root = %q %v, want %q", got, err, want)
	}
}

// The path calls, each checked with stat from the test process.
func TestFilesystemCalls(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	dir := t.TempDir()
	d := filepath.Join(dir, "d")
	s.call(c, "mkdir", d, int64(0o700))
	s.call(c, "chmod", d, int64(0o705))
	if st, err := os.Stat(d); err != nil || !st.IsDir() || st.Mode().Perm() != 0o705 {
		t.Fatalf("mkdir+chmod: %v %v", st, err)
	}
	fifo := filepath.Join(dir, "fifo")
	s.call(c, "mkfifo", fifo, int64(0o600))
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatalf("mkfifo: %v %v", st, err)
	}
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	checkLinks(t, s, c, f, dir)
	s.call(c, "rmdir", d)
	if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("rmdir left %s: %v", d, err)
	}
	err := s.fails(c, "rmdir", d)
	var pe *os.PathError
	if !errors.Is(err, unix.ENOENT) || !errors.As(err, &pe) || pe.Path != d {
		t.Fatalf("rmdir of a missing dir: %v, want enoent naming the path", err)
	}
	if got := s.call(c, "readdir", dir).([]any); !sameNames(got, ".", "..", "fifo", "f") {
		t.Fatalf("readdir = %s", builtins.Format(got))
	}
}

// checkLinks: link and symlink, checked with os.SameFile and Readlink,
// then unlinked.
func checkLinks(t *testing.T, s *sc, c []int, f, dir string) {
	t.Helper()
	hard, soft := filepath.Join(dir, "hard"), filepath.Join(dir, "soft")
	s.call(c, "link", f, hard)
	s.call(c, "symlink", f, soft)
	a, _ := os.Stat(f)
	b, err := os.Stat(hard)
	if err != nil || !os.SameFile(a, b) {
		t.Fatalf("link: not the same file: %v", err)
	}
	if got, err := os.Readlink(soft); err != nil || got != f {
		t.Fatalf("symlink points at %q %v", got, err)
	}
	s.call(c, "unlink", hard)
	s.call(c, "unlink", soft)
	for _, p := range []string{hard, soft} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("unlink left %s", p)
		}
	}
}

func sameNames(got []any, want ...string) bool {
	var g []string
	for _, n := range got {
		g = append(g, n.(string))
	}
	slices.Sort(g)
	slices.Sort(want)
	return slices.Equal(g, want)
}

// readdir of a directory with more entries than one getdents64 buffer.
func TestReaddirLarge(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	dir := t.TempDir()
	want := []string{".", ".."}
	for i := 0; i < 600; i++ {
		n := "file-with-a-rather-long-name-" + itoa(i)
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		want = append(want, n)
	}
	if got := s.call(c, "readdir", dir).([]any); !sameNames(got, want...) {
		t.Fatalf("readdir: %d names, want %d", len(got), len(want))
	}
}

// chown, checked with stat.
func TestChown(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	c := s.fork(nil)
	f := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s.call(c, "chown", f, int64(65534), int64(65533))
	st, err := os.Stat(f)
	if err != nil {
		t.Fatal(err)
	}
	if sys := st.Sys().(*syscall.Stat_t); sys.Uid != 65534 || sys.Gid != 65533 {
		t.Fatalf("owner %d:%d, want 65534:65533", sys.Uid, sys.Gid)
	}
}

// alcove_SUITE symlink: symlink the binary's path and hard-link that
// link (link(2) does not follow it, so no protected_hardlinks rule gets in
// the way), then unlink both.
func TestAlcoveSymlink(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	soft, hard := filepath.Join(dir, "alsh-symlink"), filepath.Join(dir, "alsh-link")
	s.call(c, "symlink", exe, soft)
	s.call(c, "link", soft, hard)
	a, err1 := os.Lstat(soft)
	b, err2 := os.Lstat(hard)
	if err1 != nil || err2 != nil || !os.SameFile(a, b) {
		t.Fatalf("link of the symlink: %v %v", err1, err2)
	}
	if got, err := os.Readlink(hard); err != nil || got != exe {
		t.Fatalf("the hard link reads %q %v", got, err)
	}
	s.call(c, "unlink", soft)
	s.call(c, "unlink", hard)
}
