package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
)

// writeWrapper writes an executable shell script for Options.Exec.
func writeWrapper(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wrapper")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// A wrapper that stays as the root's parent (sudo does): the root's pid
// is the node's, not the wrapper's.
func TestWrappedRootPidIsTheNodes(t *testing.T) {
	wrapper := writeWrapper(t, `"$@"; exit $?`)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	e, err := Start(ctx, Options{Exec: []string{wrapper}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pid := call(t, e, ctx, nil, "getpid").(int64)
	ps := e.Processes()
	if len(ps) == 0 || ps[0].Pid != int(pid) || ps[0].HostPid != int(pid) {
		t.Fatalf("ps shows the root as %+v, want pid %d (getpid [])", ps, pid)
	}
	if pid == int64(e.rootProc.pid) {
		t.Fatal("the wrapper exec'd the node: this test needs one that stays")
	}
}

// A wrapper that fails before the root starts: its own stderr is in the
// error, named wrapper_failed.
func TestWrapperFailureShowsItsStderr(t *testing.T) {
	wrapper := writeWrapper(t, `echo "wrapper failed: no way" >&2; exit 1`)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	e, err := Start(ctx, Options{Exec: []string{wrapper}})
	if err == nil {
		e.Close()
		t.Fatal("a failing wrapper started")
	}
	if !errors.Is(err, builtins.ErrWrapperFailed) || !strings.Contains(err.Error(), "wrapper failed: no way") {
		t.Fatalf("Start through a failing wrapper: %v, want wrapper_failed with its stderr", err)
	}
}
