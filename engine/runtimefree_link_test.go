package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// loFlags is what ip(8), exec'd in a child of pl, shows of lo's flags
// ("LOOPBACK,UP,LOWER_UP"): the namespace's own view, over rtnetlink
// (the host's /sys shows the host's interfaces).
func loFlags(t *testing.T, e *Engine, ctx context.Context, pl []int) string {
	t.Helper()
	k := fork(t, e, ctx, pl)
	call(t, e, ctx, k, "execvp", "ip", []any{"ip", "-o", "link", "show", "lo"})
	out := outputOf(t, e, k)
	_, flags, _ := strings.Cut(out, "<")
	flags, _, ok := strings.Cut(flags, ">")
	if !ok {
		t.Fatalf("ip link show lo: %q", out)
	}
	return flags
}

func hasFlag(flags, f string) bool { return strings.Contains(","+flags+",", ","+f+",") }

// link_up and link_down in a new network namespace leave a proto-node
// (which stays one) and a node alike: lo up, then down, for the programs
// they exec; an unknown interface is worded as before and the process
// goes on serving.
func TestRuntimeFreeLinkUpDown(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	e, ctx := start(t)
	var unknown []string
	for _, boot := range []bool{false, true} {
		pl := []int{int(call(t, e, ctx, nil, "clone", []any{builtins.Const("clone_newnet")}).(int64))}
		if boot {
			bootNode(t, e, ctx, pl)
		}
		if f := loFlags(t, e, ctx, pl); hasFlag(f, "UP") {
			t.Fatalf("booted %v: lo of a new netns is up: %s", boot, f)
		}
		call(t, e, ctx, pl, "link_up", "lo")
		if !boot && !isProto(t, e, pl) {
			t.Error("link_up booted the proto-node")
		}
		if f := loFlags(t, e, ctx, pl); !hasFlag(f, "UP") || !hasFlag(f, "LOOPBACK") {
			t.Errorf("booted %v: lo after link_up: %s", boot, f)
		}
		call(t, e, ctx, pl, "link_down", "lo")
		if !boot && !isProto(t, e, pl) {
			t.Error("link_down booted the proto-node")
		}
		if f := loFlags(t, e, ctx, pl); hasFlag(f, "UP") || !hasFlag(f, "LOOPBACK") {
			t.Errorf("booted %v: lo after link_down: %s", boot, f)
		}
		_, err := e.Call(ctx, pl, "link_up", []any{"lo0"})
		if err == nil {
			t.Fatalf("booted %v: link_up lo0 succeeded", boot)
		}
		unknown = append(unknown, err.Error())
		call(t, e, ctx, pl, "link_up", "lo")
		if f := loFlags(t, e, ctx, pl); !hasFlag(f, "UP") {
			t.Errorf("booted %v: lo after a failed link_up and a link_up: %s", boot, f)
		}
	}
	want := `no interface "lo0" in this network namespace (it has lo) (did you mean lo?)`
	if !strings.Contains(unknown[0], want) || unknown[0] != unknown[1] {
		t.Errorf("link_up of an unknown interface: proto-node %q, node %q, want %q", unknown[0], unknown[1], want)
	}
}

// Without cap_net_admin link_up fails with the kernel's eperm, and a bad
// name is refused before any system call, alike from a proto-node and a
// node; a name holding a NUL does not bring up the interface its first
// bytes name.
func TestRuntimeFreeLinkErrors(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	e, ctx := start(t)
	var got [2][]string
	for i, boot := range []bool{false, true} {
		clone := func() []int {
			pl := []int{int(call(t, e, ctx, nil, "clone", []any{builtins.Const("clone_newnet")}).(int64))}
			if boot {
				bootNode(t, e, ctx, pl)
			}
			return pl
		}
		pl := clone()
		call(t, e, ctx, pl, "setuid", int64(65534))
		_, err := e.Call(ctx, pl, "link_up", []any{"lo"})
		if !errors.Is(err, unix.EPERM) {
			t.Errorf("booted %v: link_up without cap_net_admin: %v, want eperm", boot, err)
		}
		got[i] = append(got[i], errString(err))
		pl = clone()
		for _, name := range []string{"lo\x00x", "lo/x", "", "a-name-far-too-long"} {
			_, err := e.Call(ctx, pl, "link_up", []any{name})
			if err == nil || !strings.Contains(err.Error(), "argument 1 (name): bad interface name") {
				t.Errorf("booted %v: link_up %q: %v", boot, name, err)
			}
			got[i] = append(got[i], errString(err))
		}
		if f := loFlags(t, e, ctx, pl); hasFlag(f, "UP") {
			t.Errorf("booted %v: a refused link_up brought lo up: %s", boot, f)
		}
	}
	if strings.Join(got[0], "\n") != strings.Join(got[1], "\n") {
		t.Errorf("proto-node's errors:\n%s\nnode's:\n%s", strings.Join(got[0], "\n"), strings.Join(got[1], "\n"))
	}
}
