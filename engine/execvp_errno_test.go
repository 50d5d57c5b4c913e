package engine_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/testutil"
)

// execvp of a file with a slash reports what execve reports for it: a
// program in a directory its user may not search is eacces for both, in a
// proto-node as in a booted node (and enoent only for a file that is not
// there).
func TestExecvpWithSlashReportsExecveErrno(t *testing.T) {
	testutil.RequirePrivileged(t)
	dir := filepath.Join(t.TempDir(), "private")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(dir, "prog")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(dir), 0o755)
	s := startSC(t)
	for _, boot := range []bool{false, true} {
		c := s.fork(nil)
		if boot {
			s.boot(c)
		}
		s.call(c, "setgid", int64(65534))
		s.call(c, "setuid", int64(65534))
		for _, name := range []string{"execve", "execvp"} {
			args := []any{prog, strList("prog")}
			if name == "execve" {
				args = append(args, strList())
			}
			if err := s.fails(c, name, args...); !errors.Is(err, unix.EACCES) {
				t.Errorf("booted %v: %s of a file in a 0700 directory of root, as nobody: %v, want eacces", boot, name, err)
			}
		}
		if err := s.fails(c, "execvp", filepath.Join(dir, "none", "x"), strList("x")); !errors.Is(err, unix.EACCES) {
			t.Errorf("booted %v: execvp below the same directory: %v, want eacces", boot, err)
		}
		if err := s.fails(c, "execvp", "/no/such/program", strList("x")); !errors.Is(err, unix.ENOENT) {
			t.Errorf("booted %v: execvp of a missing file: %v, want enoent", boot, err)
		}
	}
}
