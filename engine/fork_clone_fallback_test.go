package engine

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// Under Docker's default profile without cap_sys_admin (clone3 answers
// enosys), a forked proto-node is a copy made by clone: it keeps the
// signals its parent ignores, which its programs inherit, as one made by
// clone3 does.
func TestForkUnderDockerDefaultProfileKeepsIgnored(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "capbset_drop", []any{builtins.Const("cap_sys_admin")})
	call(t, e, ctx, c, "sigaction", builtins.Const("sigusr2"), builtins.Const("sig_ign"))
	call(t, e, ctx, c, "seccomp_load", builtins.Const("docker_default"))
	g := fork(t, e, ctx, c)
	r := runIn(t, e, ctx, g, "cat", "/proc/self/status")
	ign, err := strconv.ParseUint(statusValue(r.stdout, "SigIgn"), 16, 64)
	if err != nil || ign&(1<<(unix.SIGUSR2-1)) == 0 {
		t.Fatalf("a program forked under docker_default: SigIgn %q (%v), want sigusr2 ignored", statusValue(r.stdout, "SigIgn"), err)
	}
}
