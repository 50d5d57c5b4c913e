package engine

import (
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// landlock, settled by the engine into a plan that the runtime-free code
// makes, confines a proto-node without booting it, with the result a
// node gives; the proto-node, a node it boots into later, and the program
// it execs are confined alike. (A dynamic build leaves landlock to the
// node: see staticBinary.)
func TestRuntimeFreeLandlock(t *testing.T) {
	testutil.RequirePrivileged(t)
	needProto(t)
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/file", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	e, ctx := start(t)
	paths := builtins.Record{"ro": []any{"/", dir + "/file"}, "rw": []any{dir + "/file"}, "exec": []any{"/usr", "/bin"},
		"connect_tcp": []any{int64(443)}}
	var results []string
	for _, boot := range []bool{false, true} {
		pl := fork(t, e, ctx, nil)
		if boot {
			bootNode(t, e, ctx, pl)
		}
		results = append(results, builtins.Format(call(t, e, ctx, pl, "landlock", paths)))
		if _, err := e.Call(ctx, pl, "mkdir", []any{dir + "/d", int64(0o700)}); !errors.Is(err, unix.EACCES) {
			t.Errorf("booted %v: mkdir under landlock: %v, want eacces", boot, err)
		}
		if !boot && staticBinary() && !isProto(t, e, pl) { // a dynamic build leaves it to the node
			t.Error("landlock booted the proto-node")
		}
		bootNode(t, e, ctx, pl) // a proto-node boots under its domain
		if _, err := e.Call(ctx, pl, "mkdir", []any{dir + "/d", int64(0o700)}); !errors.Is(err, unix.EACCES) {
			t.Errorf("booted %v, then a call: mkdir under landlock: %v, want eacces", boot, err)
		}
		call(t, e, ctx, pl, "execvp", "/bin/sh", []any{"sh", "-c",
			"echo y >" + dir + "/file && cat " + dir + "/file && grep NoNewPrivs /proc/self/status; touch " + dir + "/new || echo refused"})
		out := outputOf(t, e, pl)
		if !strings.HasPrefix(out, "y\nNoNewPrivs:\t1\n") || !strings.HasSuffix(out, "refused\n") {
			t.Errorf("booted %v: the program wrote %q", boot, out)
		}
	}
	if results[0] != results[1] || !strings.Contains(results[0], "connect_tcp") {
		t.Errorf("landlock's result: proto-node %s, node %s", results[0], results[1])
	}
}

// A landlock that fails answers, from a proto-node and from a node, with
// landlock's own error.
func TestRuntimeFreeLandlockErrors(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	for _, paths := range []builtins.Record{
		{"ro": []any{"/nonexistent"}},
		{"ro": []any{"/"}, "rw": []any{"/etc/passwd"}, "exec": []any{"a\x00b"}},
	} {
		var got []string
		for _, boot := range []bool{false, true} {
			pl := fork(t, e, ctx, nil)
			if boot {
				bootNode(t, e, ctx, pl)
			}
			_, err := e.Call(ctx, pl, "landlock", []any{paths})
			if err == nil {
				t.Fatalf("landlock %v (booted %v) succeeded", paths, boot)
			}
			got = append(got, err.Error())
		}
		if got[0] != got[1] {
			t.Errorf("landlock %v: proto-node %q, node %q", paths, got[0], got[1])
		}
	}
}
