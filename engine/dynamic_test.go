package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// elfInterpreter reads a dynamic executable's interpreter, and nothing
// for a static one.
func TestElfInterpreter(t *testing.T) {
	if got := elfInterpreter("/bin/sh"); !strings.HasPrefix(got, "/") || !strings.Contains(got, "ld") {
		t.Errorf("/bin/sh's interpreter: %q", got)
	}
	if got := elfInterpreter("/bin/busybox"); got != "" { // busybox-static
		t.Errorf("a static busybox's interpreter: %q", got)
	}
	if got := elfInterpreter("/etc/passwd"); got != "" {
		t.Errorf("a text file's interpreter: %q", got)
	}
}

// A dynamically linked build (cgo on) cannot boot a node in an empty
// jail: the call's error says so, naming the interpreter and
// CGO_ENABLED=0, instead of a bare node_exited.
func TestDynamicBuildSaysWhyNodeDied(t *testing.T) {
	testutil.RequirePrivileged(t)
	interp := elfInterpreter("/proc/self/exe")
	switch {
	case interp == "":
		t.Skip("a static build: its nodes start in any root")
	case proto.RaceEnabled:
		t.Skip("a race build forks full nodes: nothing boots in the jail")
	}
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "chroot", t.TempDir())
	_, err := e.Call(ctx, c, bootCall[0].(string), bootCall[1:]) // boots
	if !errors.Is(err, builtins.ErrNodeExited) || !strings.Contains(err.Error(), interp) ||
		!strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Fatalf("booting in an empty jail: %v, want node_exited naming %s and CGO_ENABLED=0", err, interp)
	}
}
