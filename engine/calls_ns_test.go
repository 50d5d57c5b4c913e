package engine_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// privateMountNS clones a child in a new mount namespace and makes every
// mount in it private, so nothing it mounts reaches the host.
func privateMountNS(t *testing.T, s *sc) []int {
	t.Helper()
	c := s.clone(nil, "clone_newns")
	s.call(c, "mount", "none", "/", "", consts("ms_rec", "ms_private"), "")
	return c
}

// alcove_SUITE mount: in a mount namespace, bind a directory with
// [ms_bind ms_rdonly ms_noexec] and umount; again, and umount2
// [mnt_detach]. /proc/PID/mountinfo of the child and of the test are the
// oracle.
func TestAlcoveMount(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	c := privateMountNS(t, s)
	src, mnt := t.TempDir(), t.TempDir()
	for _, umount := range []func(){
		func() { s.call(c, "umount", mnt) },
		func() { s.call(c, "umount2", mnt, consts("mnt_detach")) },
	} {
		s.call(c, "mount", src, mnt, "", consts("ms_bind", "ms_rdonly", "ms_noexec"), "")
		if !mountedAt(mountinfo(t, leafPid(c)), mnt) {
			t.Fatalf("the child's mountinfo lacks %s", mnt)
		}
		if mountedAt(mountinfo(t, os.Getpid()), mnt) {
			t.Fatalf("the bind mount reached the host's namespace")
		}
		umount()
		if mountedAt(mountinfo(t, leafPid(c)), mnt) {
			t.Fatalf("%s still mounted after umount", mnt)
		}
	}
	if err := s.fails(c, "umount", mnt); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("umount of a non-mount point: %v, want einval", err)
	}
}

// alcove_SUITE tmpfs: mount tmpfs [ms_noexec] with data "size=16M", then
// umount. (alcove's variant outside a namespace would touch the host's
// mounts: not ported.)
func TestAlcoveTmpfs(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	c := privateMountNS(t, s)
	mnt := t.TempDir()
	s.call(c, "mount", "tmpfs", mnt, "tmpfs", consts("ms_noexec"), "size=16M")
	line := mountLine(mountinfo(t, leafPid(c)), mnt)
	if !strings.Contains(line, " - tmpfs ") || !strings.Contains(line, "size=16384k") || !strings.Contains(line, "noexec") {
		t.Fatalf("mountinfo line: %q", line)
	}
	s.call(c, "umount", mnt)
}

func mountLine(info, path string) string {
	for _, line := range strings.Split(info, "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == path {
			return line
		}
	}
	return ""
}

// alcove_SUITE pivot_root: mount none / private, bind a directory on
// itself, chdir into it, pivot_root "." ".", umount2 "." [mnt_detach].
// The new root holds the marker file; forking still works.
func TestAlcovePivotRoot(t *testing.T) {
	testutil.RequirePrivileged(t)
	if engine.RaceEnabled { // see noRaceBuild
		t.Skip("a race build is linked dynamically: its nodes do not start in the new root")
	}
	testutil.RequireStaticBinary(t)
	s := startSC(t)
	c := privateMountNS(t, s)
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "marker"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s.call(c, "mount", root, root, "", consts("ms_bind"), "")
	s.call(c, "chdir", root)
	s.call(c, "pivot_root", ".", ".")
	s.call(c, "umount2", ".", consts("mnt_detach"))
	s.call(c, "chdir", "/")
	if got := s.call(c, "readdir", "/").([]any); !sameNames(got, ".", "..", "marker") {
		t.Fatalf("readdir / after pivot_root = %s", builtins.Format(got))
	}
	g := s.fork(c)
	if got := s.call(g, "readdir", "/").([]any); !sameNames(got, ".", "..", "marker") {
		t.Fatalf("the child's / = %s", builtins.Format(got))
	}
}

// alcove_SUITE unshare: unshare [clone_newuts], then sethostname reads
// back; the test's hostname and uts namespace are unchanged.
func TestAlcoveUnshare(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	host, _ := os.Hostname()
	c := s.fork(nil)
	s.call(c, "unshare", consts("clone_newuts"))
	if nsLink(t, leafPid(c), "uts") == nsLink(t, "self", "uts") {
		t.Fatal("the child's uts namespace is the test's")
	}
	s.call(c, "sethostname", "unshare")
	if got := s.call(c, "gethostname"); got != "unshare" {
		t.Fatalf("gethostname = %v", got)
	}
	if now, _ := os.Hostname(); now != host {
		t.Fatalf("the host's name changed to %q", now)
	}
}

// setns into a user namespace cannot work in a Go node: einval, with a
// message that says what to do instead (unshare in place: reexec_test.go).
func TestSetnsUserExplains(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	fd := s.call(c, "open", "/proc/self/ns/user", builtins.Const("o_rdonly"))
	for _, nstype := range []any{builtins.Const("clone_newuser"), int64(0)} {
		err := s.fails(c, "setns", fd, nstype)
		if !errors.Is(err, unix.EINVAL) || !strings.Contains(err.Error(), "clone_newuser") {
			t.Fatalf("setns into a user namespace, nstype %s: %v", builtins.Format(nstype), err)
		}
	}
}

// setns joins another node's uts and mount namespaces (/proc/PID/ns is the
// oracle); mnt works because CLONE_FS is unshared first.
func TestSetns(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	ns := s.clone(nil, "clone_newuts", "clone_newns")
	s.call(ns, "sethostname", "inside")
	d := s.fork(nil)
	nsPid := itoa(leafPid(ns))
	uts := s.call(d, "open", "/proc/"+nsPid+"/ns/uts", builtins.Const("o_rdonly"))
	s.call(d, "setns", uts, builtins.Const("clone_newuts"))
	if got := s.call(d, "gethostname"); got != "inside" {
		t.Fatalf("gethostname after setns = %v", got)
	}
	mnt := s.call(d, "open", "/proc/"+nsPid+"/ns/mnt", builtins.Const("o_rdonly"))
	s.call(d, "setns", mnt) // nstype omitted: any kind
	for _, name := range []string{"uts", "mnt"} {
		if nsLink(t, leafPid(d), name) != nsLink(t, leafPid(ns), name) {
			t.Fatalf("%s namespace not joined", name)
		}
	}
	g := s.fork(d)
	if nsLink(t, leafPid(g), "mnt") != nsLink(t, leafPid(ns), "mnt") {
		t.Fatal("a child forked after setns is not in the joined mount namespace")
	}
}

// unshare [clone_newpid clone_newns]: the node's next child is pid 1 of
// the new pid namespace, and a mount made after unshare stays out of the
// host's mount table.
func TestUnsharePidMount(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	c := s.fork(nil)
	s.call(c, "unshare", consts("clone_newpid", "clone_newns"))
	s.call(c, "mount", "none", "/", "", consts("ms_rec", "ms_private"), "")
	mnt := t.TempDir()
	s.call(c, "mount", "tmpfs", mnt, "tmpfs", consts("ms_nosuid"))
	if mountedAt(mountinfo(t, os.Getpid()), mnt) || !mountedAt(mountinfo(t, leafPid(c)), mnt) {
		t.Fatal("the tmpfs is not in the child's mount namespace only")
	}
	pid, err := s.e.Call(s.ctx, c, "fork", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.int(append(c, int(pid.(int64))), "getpid"); got != 1 {
		t.Fatalf("getpid of the first child after unshare clone_newpid = %d, want 1", got)
	}
}
