package engine

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// Ports of alcove_SUITE cases not covered under another name; the map of
// every case to its test is docs/alcove-tests.md.

// alcove test 13 (mount_constant): the portable aliases resolve.
func TestAlcoveMountConstant(t *testing.T) {
	e, ctx := start(t)
	for name, want := range map[string]int64{"rdonly": unix.MS_RDONLY, "nosuid": unix.MS_NOSUID,
		"noexec": unix.MS_NOEXEC, "noatime": unix.MS_NOATIME, "ms_bind": unix.MS_BIND} {
		if got := call(t, e, ctx, nil, "constant", "mount", name); got != want {
			t.Errorf("constant mount %s = %v, want %#x", name, got, want)
		}
	}
}

// alcove test 18 (setrlimit): nofile {64, 64} reads back.
func TestAlcoveSetrlimit(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	lim := builtins.Record{"cur": int64(64), "max": int64(64)}
	call(t, e, ctx, c, "setrlimit", builtins.Const("rlimit_nofile"), lim)
	if got := call(t, e, ctx, c, "getrlimit", builtins.Const("rlimit_nofile")); builtins.Format(got) != "{cur: 64, max: 64}" {
		t.Fatalf("getrlimit = %s", builtins.Format(got))
	}
}

// alcove test 22 (fork): past maxchild, fork fails with eagain and the node
// still answers; a child's exit frees its slot.
func TestAlcoveFork(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "setopt", builtins.Const("maxchild"), int64(8))
	var kids [][]int
	var err error
	for i := 0; i < 32 && err == nil; i++ {
		var pid any
		if pid, err = e.Call(ctx, c, "fork", nil); err == nil {
			kids = append(kids, append(append([]int(nil), c...), int(pid.(int64))))
		}
	}
	if len(kids) != 8 || !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("%d forks, then %v; want 8, then eagain", len(kids), err)
	}
	call(t, e, ctx, c, "getpid")
	call(t, e, ctx, kids[0], "exit", int64(0))
	if ev := event(t, e, ctx, kids[0]); builtins.Format(ev) != "{exit_status: 0}" {
		t.Fatalf("event = %s", builtins.Format(ev))
	}
	fork(t, e, ctx, c)
	if _, err := e.Call(ctx, c, "fork", nil); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("ninth fork: %v, want eagain", err)
	}
}

// alcove test 29 (stderr): a shell's complaint about an unknown command.
func TestAlcoveStderr(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "execvp", "/bin/sh", []any{"/bin/sh"})
	call(t, e, ctx, c, "stdin", "nonexistent-command-alsh\n")
	out := call(t, e, ctx, c, "stderr", int64(5000)).(string)
	if !strings.HasPrefix(out, "/bin/sh: ") {
		t.Fatalf("stderr = %q, want it to start with /bin/sh: ", out)
	}
}
