package engine

import (
	"errors"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// The nodes of a root that may mount execute the binary through a
// read-only, nosuid mount of it that is in no namespace (the read-only
// image, engine/internal/node/image_linux.go), not a 9 MB memfd copy. No
// one can write the binary through a node's /proc/PID/exe, nor make that
// mount writable again, and the binary is unchanged.
func TestNodesExecuteAReadOnlyImage(t *testing.T) {
	testutil.RequirePrivileged(t)
	self, _ := os.Executable()
	before := fileSum(t, self)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	bootNode(t, e, ctx, c) // c executes the image
	exe := "/proc/" + strconv.Itoa(e.hostPid(t, c)) + "/exe"
	if link, err := os.Readlink(exe); err != nil || link != "/" {
		t.Fatalf("%s links to %q (%v), want / (the root of a mount in no namespace)", exe, link, err)
	}
	// O_TRUNC asks the mount for write access before the file's (which
	// the running test binary holds: ETXTBSY), so EROFS tells the mount.
	if fd, err := unix.Open(exe, unix.O_WRONLY|unix.O_TRUNC, 0); !errors.Is(err, unix.EROFS) {
		unix.Close(fd)
		t.Fatalf("opening %s for writing: %v, want EROFS", exe, err)
	}
	clear := unix.MountAttr{Attr_clr: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(unix.AT_FDCWD, exe, 0, &clear); err == nil {
		t.Fatalf("mount_setattr made the image's mount writable")
	}
	if fd, err := unix.Open(exe, unix.O_WRONLY|unix.O_TRUNC, 0); !errors.Is(err, unix.EROFS) {
		unix.Close(fd)
		t.Fatalf("after mount_setattr, opening %s for writing: %v, want EROFS", exe, err)
	}
	// nosuid, as the memfd: file capabilities of the binary would not
	// reach the nodes.
	var st unix.Statfs_t
	if err := unix.Statfs(exe, &st); err != nil || st.Flags&unix.ST_NOSUID == 0 || st.Flags&unix.ST_RDONLY == 0 {
		t.Fatalf("statfs %s: flags %#x (%v), want ST_RDONLY|ST_NOSUID", exe, st.Flags, err)
	}
	if fileSum(t, self) != before {
		t.Fatalf("the binary %s changed", self)
	}
}

// An in-place unshare of a user namespace needs the binary's hooked copy,
// which a node started from the read-only image makes at that call.
func TestUnshareUserInPlaceFromTheImage(t *testing.T) {
	requireEntryHook(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	bootNode(t, e, ctx, c) // a node executed from the image
	maps := builtins.Record{"uid": "0 " + strconv.Itoa(os.Geteuid()) + " 1", "gid": "0 " + strconv.Itoa(os.Getegid()) + " 1"}
	call(t, e, ctx, c, "unshare", []any{builtins.Const("clone_newuser")}, maps)
	if got := call(t, e, ctx, c, "getuid").(int64); got != 0 {
		t.Fatalf("getuid in the new namespace = %d, want 0", got)
	}
	exe := "/proc/" + strconv.Itoa(e.hostPid(t, c)) + "/exe"
	if link, _ := os.Readlink(exe); link != "/memfd:alsh (deleted)" {
		t.Fatalf("after the in-place unshare %s links to %q, want the hooked memfd copy", exe, link)
	}
}
