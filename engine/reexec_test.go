package engine

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// unshare clone_newuser in place: the node re-executes itself through its
// ELF entry hook, stays the same process (same pid, same control socket),
// and is in a new user namespace with the maps asked for (the kernel's
// /proc/PID/ns/user and uid_map are the oracle).
func TestUnshareUserInPlace(t *testing.T) {
	requireEntryHook(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "setopt", builtins.Const("signaloneof"), int64(9))
	before, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", leaf(c)))
	// A process may map only its own ids from inside the new namespace.
	uid, gid := os.Geteuid(), os.Getegid()
	maps := builtins.Record{"uid": fmt.Sprintf("0 %d 1", uid), "gid": fmt.Sprintf("0 %d 1", gid)}
	call(t, e, ctx, c, "unshare", []any{builtins.Const("clone_newuser"), builtins.Const("clone_newuts")}, maps)
	after, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", leaf(c)))
	if after == before {
		t.Fatalf("still in user namespace %s", before)
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/uid_map", leaf(c)))
	if f := strings.Fields(string(b)); len(f) != 3 || f[0] != "0" || f[1] != fmt.Sprint(uid) {
		t.Fatalf("uid_map = %q", b)
	}
	if got := call(t, e, ctx, c, "getpid").(int64); int(got) != leaf(c) {
		t.Fatalf("getpid after the re-execution = %d, want %d", got, leaf(c))
	}
	// Its options came through, and its capabilities in the namespace.
	if got := call(t, e, ctx, c, "getopt", builtins.Const("signaloneof")).(int64); got != 9 {
		t.Fatalf("signaloneof after the re-execution = %d", got)
	}
	call(t, e, ctx, c, "sethostname", "inside")
	g := fork(t, e, ctx, c)
	mine, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", e.hostPid(t, g)))
	if mine != after {
		t.Fatalf("the child is in %s, its parent in %s", mine, after)
	}
}

func TestUnshareUserRefusals(t *testing.T) {
	requireEntryHook(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	fork(t, e, ctx, c)
	_, err := e.Call(ctx, c, "unshare", []any{builtins.Const("clone_newuser")})
	if err == nil || !strings.Contains(err.Error(), "has 1 children") {
		t.Fatalf("unshare clone_newuser with a child: %v", err)
	}
	_, err = e.Call(ctx, c, "unshare", []any{builtins.Const("clone_newuser"), builtins.Record{"uidd": "0 0 1"}})
	var ae *builtins.ArgError
	if !errors.As(err, &ae) && !strings.Contains(fmt.Sprint(err), "uidd") {
		t.Fatalf("unshare with a misspelt map: %v", err)
	}
	_, err = e.Call(ctx, []int{leaf(c)}, "unshare", []any{builtins.Const("clone_newuser"), builtins.Record{"uid": "0 12345 1000"}})
	if !errors.Is(err, builtins.ErrBadArg) || !strings.Contains(err.Error(), "only its own uid") {
		t.Fatalf("unshare with a map of other ids: %v", err)
	}
	call(t, e, ctx, c, "getpid")
}

// requireEntryHook fails where the nodes cannot enter through the ELF
// entry hook: a plain go test binary has it, through the root's patched
// copy of the binary (proto.HookCopy), as one linked with -E does.
func requireEntryHook(t *testing.T) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		testutil.Missing(t, "the entry hook exists on amd64 only", "GOARCH="+runtime.GOARCH)
	}
}

// The root node was started from the binary itself, which a plain go build
// links without the entry hook; its re-execution goes through the hooked
// copy of the binary, so it too unshares in place.
func TestUnshareUserInPlaceRoot(t *testing.T) {
	requireEntryHook(t)
	e, ctx := start(t)
	root := e.hostPid(t, nil)
	before, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", root))
	maps := builtins.Record{"uid": fmt.Sprintf("0 %d 1", os.Geteuid()), "gid": fmt.Sprintf("0 %d 1", os.Getegid())}
	call(t, e, ctx, nil, "unshare", []any{builtins.Const("clone_newuser")}, maps)
	after, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", root))
	if after == before {
		t.Fatalf("the root is still in user namespace %s", before)
	}
	if got := call(t, e, ctx, nil, "getuid").(int64); got != 0 {
		t.Fatalf("getuid in the new namespace = %d, want 0", got)
	}
}
