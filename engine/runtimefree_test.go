package engine

import (
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// The table's RuntimeFree marks and the runtime-free implementations name
// the same calls, and a proto-node serves each of them.
func TestRuntimeFreeMarksMatchImplementations(t *testing.T) {
	var marked []string
	for i := range builtins.Table {
		if builtins.Table[i].RuntimeFree {
			marked = append(marked, builtins.Table[i].Name)
		}
	}
	impls := proto.RawNames()
	slices.Sort(marked)
	slices.Sort(impls)
	if !slices.Equal(marked, impls) {
		t.Fatalf("marked RuntimeFree: %v\nimplemented runtime-free: %v", marked, impls)
	}
	for _, name := range marked {
		if _, ok := proto.Calls()[name]; !ok {
			t.Errorf("%s is runtime-free but a proto-node does not serve it", name)
		}
		c, _ := builtins.Lookup(name)
		if _, ok := proto.Raw(c.Number()); !ok {
			t.Errorf("%s: no runtime-free description", name)
		}
	}
}

// A failing runtime-free call answers, from a proto-node (which stays
// one) and from a node, with the errno the kernel gives this test process
// for the same system call, and the same words.
func TestRuntimeFreeErrnosAsKernel(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	p := fork(t, e, ctx, nil)
	n := fork(t, e, ctx, nil)
	bootNode(t, e, ctx, n) // boots it
	for _, c := range []struct {
		name   string
		args   []any
		kernel func() error
	}{
		{"chroot", []any{"/nonexistent"}, func() error { return unix.Chroot("/nonexistent") }},
		{"chdir", []any{"/etc/passwd"}, func() error { return unix.Chdir("/etc/passwd") }},
		{"mkdir", []any{"/nonexistent/d", int64(0o755)}, func() error { return unix.Mkdir("/nonexistent/d", 0o755) }},
		{"mkdir", []any{"a\x00b", int64(0o755)}, func() error { return unix.Mkdir("a\x00b", 0o755) }},
		{"rmdir", []any{"/etc/passwd"}, func() error { return unix.Rmdir("/etc/passwd") }},
		{"unlink", []any{"/nonexistent"}, func() error { return unix.Unlink("/nonexistent") }},
		{"link", []any{"/nonexistent", "/nonexistent/l"}, func() error { return unix.Link("/nonexistent", "/nonexistent/l") }},
		{"symlink", []any{"x", "/nonexistent/s"}, func() error { return unix.Symlink("x", "/nonexistent/s") }},
		{"chmod", []any{"/nonexistent", int64(0o644)}, func() error { return unix.Chmod("/nonexistent", 0o644) }},
		{"chown", []any{"/nonexistent", int64(0), int64(0)}, func() error { return unix.Chown("/nonexistent", 0, 0) }},
		{"mkfifo", []any{"/nonexistent/f", int64(0o600)}, func() error { return unix.Mkfifo("/nonexistent/f", 0o600) }},
		{"mknod", []any{"/nonexistent/n", int64(0o100600), int64(0)}, func() error { return unix.Mknod("/nonexistent/n", 0o100600, 0) }},
		{"mknod", []any{"/tmp", int64(0o040755), int64(0)}, func() error { return unix.Mknod("/tmp", 0o040755, 0) }},
		{"mount", []any{"none", "/nonexistent", "tmpfs", int64(0)}, func() error { return unix.Mount("none", "/nonexistent", "tmpfs", 0, "") }},
		{"umount", []any{"/nonexistent"}, func() error { return unix.Unmount("/nonexistent", 0) }},
		{"umount2", []any{"/nonexistent", int64(0)}, func() error { return unix.Unmount("/nonexistent", 0) }},
		{"pivot_root", []any{"/nonexistent", "/nonexistent"}, func() error { return unix.PivotRoot("/nonexistent", "/nonexistent") }},
		{"sethostname", []any{strings.Repeat("x", 100)}, func() error { return unix.Sethostname([]byte(strings.Repeat("x", 100))) }},
		{"unshare", []any{int64(1)}, func() error { return unix.Unshare(1) }},
		{"close", []any{int64(-1)}, func() error { return unix.Close(-1) }},
		{"kill", []any{int64(0x7ffffff0), int64(0)}, func() error { return unix.Kill(0x7ffffff0, 0) }},
		{"setpgid", []any{int64(-1), int64(0)}, func() error { return unix.Setpgid(-1, 0) }},
		{"open", []any{"/nonexistent", int64(0)}, func() error { _, err := unix.Open("/nonexistent", 0, 0); return err }},
		{"mount_setattr", []any{"/nonexistent", int64(0), int64(unix.MOUNT_ATTR_RDONLY), int64(0)},
			func() error {
				return unix.MountSetattr(unix.AT_FDCWD, "/nonexistent", 0, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY})
			}},
		{"seccomp", []any{int64(unix.SECCOMP_SET_MODE_FILTER), int64(0), badFilter}, func() error { return seccompKernel(badFilter) }},
		{"seccomp_load", []any{builtins.SeccompPlanMagic + "\x00\x00\x00\x00\x00\x00\x00\x00" + "\x01\x00\x00\x00\x00\x00\x00\x00" + badFilter}, func() error { return seccompKernel(badFilter) }},
		{"lseek", []any{int64(-1), int64(0), int64(0)}, func() error { _, err := unix.Seek(-1, 0, 0); return err }},
		{"fcntl", []any{int64(-1), int64(unix.F_GETFD)}, func() error { _, err := unix.FcntlInt(^uintptr(0), unix.F_GETFD, 0); return err }},
		{"write", []any{int64(-1), "x"}, func() error { _, err := unix.Write(-1, []byte("x")); return err }},
		{"read", []any{int64(-1), int64(10)}, func() error { _, err := unix.Read(-1, make([]byte, 10)); return err }},
		{"setns", []any{int64(-1), int64(0)}, func() error { return unix.Setns(-1, 0) }},
		{"getrlimit", []any{int64(99)}, func() error { var l unix.Rlimit; return unix.Getrlimit(99, &l) }},
		{"mount_setattr", []any{"/", int64(0), int64(0x40000000), int64(0)}, // an unknown attribute
			func() error { return unix.MountSetattr(unix.AT_FDCWD, "/", 0, &unix.MountAttr{Attr_set: 0x40000000}) }},
	} {
		want := c.kernel()
		var errno unix.Errno
		if !errors.As(want, &errno) {
			t.Fatalf("%s %v: the kernel gives %v, not an errno", c.name, c.args, want)
		}
		_, perr := e.Call(ctx, p, c.name, c.args)
		_, nerr := e.Call(ctx, n, c.name, c.args)
		if !errors.Is(perr, errno) || !errors.Is(nerr, errno) || perr.Error() != nerr.Error() {
			t.Errorf("%s %v: proto-node %v, node %v, kernel %v", c.name, c.args, perr, nerr, errno)
		}
	}
	if !isProto(t, e, p) {
		t.Fatal("a runtime-free call booted the proto-node")
	}
}

// The realistic sandbox's steps, made by a proto-node (which stays one)
// and by a node, leave in each what the kernel shows from outside.
func TestRuntimeFreeEffects(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	e, ctx := start(t)
	flags := []any{builtins.Const("clone_newns"), builtins.Const("clone_newuts"), builtins.Const("clone_newipc")}
	for _, boot := range []bool{false, true} {
		pl := []int{int(call(t, e, ctx, nil, "clone", flags).(int64))}
		if boot {
			bootNode(t, e, ctx, pl)
		}
		got := sandboxSteps(t, e, ctx, pl, !boot)
		if want := "d:drwx--x--x f:prw------- r:-rw-r----- s:/etc h:box nnp:1 g:3 3 3 3 u:4 4 4 4 gs:1 2"; got != want {
			t.Errorf("booted %v: %s\nwant %s", boot, got, want)
		}
	}
}

// sandboxSteps makes the steps, checks that a proto-node (wantProto) did
// not boot for them, and reports what the kernel shows of their effects.
func sandboxSteps(t *testing.T, e *Engine, ctx context.Context, pl []int, wantProto bool) string {
	t.Helper()
	mountFlags := []any{builtins.Const("ms_rec"), builtins.Const("ms_private")}
	call(t, e, ctx, pl, "mount", "", "/", "", mountFlags)
	call(t, e, ctx, pl, "mount", "tmpfs", "/tmp", "tmpfs", int64(0), "size=1m")
	call(t, e, ctx, pl, "mkdir", "/tmp/d", int64(0o700))
	call(t, e, ctx, pl, "chmod", "/tmp/d", int64(0o711))
	call(t, e, ctx, pl, "mkfifo", "/tmp/f", int64(0o600))
	call(t, e, ctx, pl, "mknod", "/tmp/r", int64(0o100640), int64(0))
	call(t, e, ctx, pl, "symlink", "/etc", "/tmp/s")
	call(t, e, ctx, pl, "mkdir", "/tmp/gone", int64(0o700))
	call(t, e, ctx, pl, "rmdir", "/tmp/gone")
	call(t, e, ctx, pl, "mkfifo", "/tmp/old", int64(0o600))
	call(t, e, ctx, pl, "link", "/tmp/old", "/tmp/new")
	call(t, e, ctx, pl, "unlink", "/tmp/old")
	call(t, e, ctx, pl, "chown", "/tmp/new", int64(5), int64(6))
	call(t, e, ctx, pl, "mkdir", "/tmp/m", int64(0o700))
	call(t, e, ctx, pl, "mount", "tmpfs", "/tmp/m", "tmpfs", int64(0))
	call(t, e, ctx, pl, "mount_setattr", "/tmp/m", int64(0), builtins.Const("mount_attr_rdonly"), int64(0))
	if info, _ := os.ReadFile("/proc/" + strconv.Itoa(e.hostPid(t, pl)) + "/mountinfo"); !strings.Contains(string(info), " /tmp/m ro,") {
		t.Error("mount_setattr mount_attr_rdonly left /tmp/m writable")
	}
	fd := call(t, e, ctx, pl, "open", "/tmp/m", []any{builtins.Const("o_rdonly"), builtins.Const("o_directory")}).(int64)
	if link, err := os.Readlink("/proc/" + strconv.Itoa(e.hostPid(t, pl)) + "/fd/" + strconv.FormatInt(fd, 10)); err != nil || link != "/tmp/m" {
		t.Errorf("the fd open returned is %q (%v)", link, err)
	}
	call(t, e, ctx, pl, "close", fd)
	call(t, e, ctx, pl, "umount2", "/tmp/m", builtins.Const("mnt_detach"))
	if sid := call(t, e, ctx, pl, "setsid"); sid != int64(leaf(pl)) {
		t.Errorf("setsid = %v, want the pid %d", sid, leaf(pl))
	}
	call(t, e, ctx, pl, "sethostname", "box")
	call(t, e, ctx, pl, "no_new_privs")
	call(t, e, ctx, pl, "setgroups", []any{int64(1), int64(2)})
	call(t, e, ctx, pl, "setresgid", int64(3), int64(3), int64(3))
	call(t, e, ctx, pl, "setresuid", int64(4), int64(4), int64(4))
	if wantProto && !isProto(t, e, pl) {
		t.Error("the sandbox's steps booted the proto-node")
	}
	root := "/proc/" + strconv.Itoa(e.hostPid(t, pl)) + "/root/tmp/"
	mode := func(p string) string {
		fi, err := os.Lstat(root + p)
		if err != nil {
			return err.Error()
		}
		return fi.Mode().String()
	}
	link, _ := os.Readlink(root + "s")
	if _, err := os.Lstat(root + "old"); err == nil {
		t.Error("unlink left its file")
	}
	if fi, err := os.Lstat(root + "new"); err != nil || fi.Sys().(*syscall.Stat_t).Uid != 5 || fi.Sys().(*syscall.Stat_t).Gid != 6 {
		t.Errorf("the link, chowned to 5:6: %v %v", fi, err)
	}
	if info, err := os.ReadFile("/proc/" + strconv.Itoa(e.hostPid(t, pl)) + "/mountinfo"); err != nil || strings.Contains(string(info), " /tmp/m ") {
		t.Error("umount2 left the tmpfs mounted")
	}
	if _, err := os.Stat(root + "gone"); err == nil {
		t.Error("rmdir left its directory")
	}
	var b strings.Builder
	b.WriteString("d:" + mode("d") + " f:" + mode("f") + " r:" + mode("r") + " s:" + link)
	status := procStatus(t, e.hostPid(t, pl))
	b.WriteString(" h:" + call(t, e, ctx, pl, "gethostname").(string))
	for _, f := range [][2]string{{"nnp", "NoNewPrivs"}, {"g", "Gid"}, {"u", "Uid"}, {"gs", "Groups"}} {
		b.WriteString(" " + f[0] + ":" + strings.Join(strings.Fields(status[f[1]]), " "))
	}
	return b.String()
}

func procStatus(t *testing.T, pid int) map[string]string {
	t.Helper()
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}

// badFilter is a seccomp program of one instruction the kernel refuses
// (an unknown opcode), as raw sock_filter bytes.
const badFilter = "\xff\xff\x00\x00\x00\x00\x00\x00"

// seccompKernel loads prog into this test's own thread, as the
// runtime-free seccomp call does (it fails: the program is refused).
func seccompKernel(prog string) error {
	b := []byte(prog)
	fprog := unix.SockFprog{Len: uint16(len(b) / 8), Filter: (*unix.SockFilter)(unsafe.Pointer(&b[0]))}
	_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog)))
	if e != 0 {
		return e
	}
	return nil
}
