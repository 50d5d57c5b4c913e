package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
	"github.com/alsh/alsh/internal/sshtest"
)

func batchCall(name string, args ...any) builtins.BatchCall {
	return builtins.BatchCall{Name: name, Args: args}
}

// A batch's calls are made in order by a proto-node (which stays one)
// and by a node alike: the directory made, then entered, is the working
// directory the last call reports.
func TestBatchMakesCallsInOrder(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	for _, booted := range []bool{false, true} {
		pl := fork(t, e, ctx, nil)
		if booted {
			bootNode(t, e, ctx, pl)
		}
		dir := filepath.Join(t.TempDir(), "made")
		vals, err := e.Batch(ctx, pl, []builtins.BatchCall{
			batchCall("mkdir", dir, int64(0o755)), batchCall("chdir", dir), batchCall("getcwd")})
		if err != nil {
			t.Fatalf("booted %v: %v", booted, err)
		}
		if len(vals) != 3 || vals[2] != dir {
			t.Errorf("booted %v: results %v, want the cwd %s last", booted, vals, dir)
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Errorf("booted %v: %s not made: %v", booted, dir, err)
		}
		if !booted && !isProto(t, e, pl) {
			t.Error("the proto-node booted for calls it serves")
		}
	}
}

// The first call that fails ends the batch: its error names it and keeps
// its errno, and the node makes none of the calls after it (the
// directory after it is not made), in a proto-node, in a node, and in a
// proto-node that boots during the batch (readdir is the node's). A
// call made alone afterwards is made as usual.
func TestBatchStopsAtFirstFailure(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	for _, how := range []string{"proto", "booted", "boots midway"} {
		pl := fork(t, e, ctx, nil)
		if how == "booted" {
			bootNode(t, e, ctx, pl)
		}
		dir := t.TempDir()
		calls := []builtins.BatchCall{batchCall("mkdir", dir+"/a", int64(0o755))}
		if how == "boots midway" {
			calls = append(calls, batchCall("readdir", dir))
		}
		calls = append(calls, batchCall("chdir", dir+"/missing"), batchCall("mkdir", dir+"/b", int64(0o755)))
		vals, err := e.Batch(ctx, pl, calls)
		var be *builtins.BatchError
		if !errors.As(err, &be) || be.Index != len(calls)-2 || be.Call != "chdir" || !errors.Is(err, unix.ENOENT) {
			t.Fatalf("%s: err %v, want chdir's enoent as call %d", how, err, len(calls)-1)
		}
		if len(vals) != len(calls)-2 {
			t.Errorf("%s: results %v: want those of the %d calls before chdir", how, vals, len(calls)-2)
		}
		if _, err := os.Stat(dir + "/a"); err != nil {
			t.Errorf("%s: the call before the failure was not made: %v", how, err)
		}
		if _, err := os.Stat(dir + "/b"); !os.IsNotExist(err) {
			t.Errorf("%s: the call after the failure was made (%v)", how, err)
		}
		call(t, e, ctx, pl, "mkdir", dir+"/c", int64(0o755))
		if _, err := os.Stat(dir + "/c"); err != nil {
			t.Errorf("%s: a call after the failed batch: %v", how, err)
		}
		if how == "boots midway" && isProto(t, e, pl) {
			t.Error("readdir did not boot the proto-node: the test does not test a boot")
		}
	}
}

// A failure with an errno the call tolerates does not end the batch: its
// result is the errno, and the calls after it are made.
func TestBatchGoesPastToleratedErrno(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	pl := fork(t, e, ctx, nil)
	dir := t.TempDir()
	vals, err := e.Batch(ctx, pl, []builtins.BatchCall{
		{Name: "mkdir", Args: []any{dir, int64(0o755)}, Tolerate: []syscall.Errno{unix.EPERM, unix.EEXIST}},
		batchCall("mkdir", dir+"/after", int64(0o755))})
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 2 || vals[0] != unix.EEXIST {
		t.Errorf("results %v, want eexist first", vals)
	}
	if _, err := os.Stat(dir + "/after"); err != nil {
		t.Errorf("the call after the tolerated failure was not made: %v", err)
	}
	// A tolerated errno does not excuse another: EACCES ends it.
	_, err = e.Batch(ctx, pl, []builtins.BatchCall{
		{Name: "chdir", Args: []any{dir + "/none"}, Tolerate: []syscall.Errno{unix.EEXIST}},
		batchCall("mkdir", dir+"/never", int64(0o755))})
	if !errors.Is(err, unix.ENOENT) {
		t.Errorf("err %v, want enoent", err)
	}
	if _, err := os.Stat(dir + "/never"); !os.IsNotExist(err) {
		t.Errorf("made after an errno not tolerated (%v)", err)
	}
}

// Calls a batch cannot hold, unknown calls, bad arguments and bad
// tolerated errnos are refused before anything is sent: the calls before
// them are not made either.
func TestBatchRefusesBeforeSending(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	pl := fork(t, e, ctx, nil)
	dir := t.TempDir()
	mk := batchCall("mkdir", dir+"/x", int64(0o755))
	for name, bad := range map[string]builtins.BatchCall{
		"fork":         batchCall("fork"),
		"execvp":       batchCall("execvp", "true", []any{"true"}),
		"stdin":        batchCall("stdin", "x"),
		"landlock":     batchCall("landlock", builtins.Record{}),
		"unknown":      batchCall("no_such_call"),
		"bad argument": batchCall("mkdir", int64(1), int64(2)),
		"errno 0":      {Name: "getpid", Tolerate: []syscall.Errno{0}},
		"errno 300":    {Name: "getpid", Tolerate: []syscall.Errno{300}},
		"three errnos": {Name: "getpid", Tolerate: []syscall.Errno{1, 2, 3}},
	} {
		_, err := e.Batch(ctx, pl, []builtins.BatchCall{mk, bad})
		var be *builtins.BatchError
		if !errors.As(err, &be) || be.Index != 1 {
			t.Errorf("%s: err %v, want a *builtins.BatchError of call 2", name, err)
		}
		if _, err := os.Stat(dir + "/x"); !os.IsNotExist(err) {
			t.Fatalf("%s: the call before the refused one was made", name)
		}
	}
}

// A batch to a process that runs a program, or to a pid that is not a
// child, fails as a call does; an empty batch makes nothing.
func TestBatchToBadProcess(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	if vals, err := e.Batch(ctx, []int{1 << 30}, []builtins.BatchCall{batchCall("getpid")}); err == nil {
		t.Errorf("a pid that is not a child: %v", vals)
	}
	pl := fork(t, e, ctx, nil)
	call(t, e, ctx, pl, "execvp", "sleep", []any{"sleep", "10"})
	if _, err := e.Batch(ctx, pl, []builtins.BatchCall{batchCall("getpid")}); !errors.Is(err, builtins.ErrNotNode) {
		t.Errorf("to a program: %v, want notnode", err)
	}
	if vals, err := e.Batch(ctx, nil, nil); err != nil || len(vals) != 0 {
		t.Errorf("empty batch: %v %v", vals, err)
	}
}

// A batch to a remote host's process goes to its engine: the same
// results and the same stop at the first failure, named from [-id …].
func TestBatchOnAHost(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	e, ctx := start(t)
	id, err := e.ConnectHost(ctx, "box1", builtins.Record{"ssh": ssh})
	if err != nil {
		t.Fatal(err)
	}
	c := fork(t, e, ctx, []int{-id})
	vals, err := e.Batch(ctx, c, []builtins.BatchCall{batchCall("chdir", "/"), batchCall("gethostname"), batchCall("getcwd")})
	if err != nil || len(vals) != 3 || vals[1] != "box1" || vals[2] != "/" {
		t.Fatalf("batch on box1: %v %v", vals, err)
	}
	dir := t.TempDir() // the test host shares this machine's filesystem
	_, err = e.Batch(ctx, c, []builtins.BatchCall{batchCall("chdir", dir+"/missing"), batchCall("mkdir", dir+"/never", int64(0o755))})
	var be *builtins.BatchError
	if !errors.As(err, &be) || be.Index != 0 || !errors.Is(err, unix.ENOENT) {
		t.Fatalf("err %v, want chdir's enoent as call 1", err)
	}
	if _, err := os.Stat(dir + "/never"); !os.IsNotExist(err) {
		t.Errorf("the call after the failure was made on box1 (%v)", err)
	}
	_, err = e.Batch(ctx, []int{-id, 999999999}, []builtins.BatchCall{batchCall("getpid")})
	if !errors.Is(err, builtins.ErrBadPid) || !strings.Contains(err.Error(), "[-") {
		t.Errorf("a pid box1's root has not: %v, want badpid named from [-%d]", err, id)
	}
}

// A batch longer than the socket holds, and one of large replies, end
// without waiting for the deadline: the driver reads replies before it
// sends more than the node can take.
func TestBatchLargerThanTheSocket(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	pl := fork(t, e, ctx, nil)
	many := make([]builtins.BatchCall, 5000)
	for i := range many {
		many[i] = batchCall("getpid")
	}
	vals, err := e.Batch(ctx, pl, many)
	if err != nil || len(vals) != len(many) || vals[len(vals)-1] != int64(leaf(pl)) {
		t.Fatalf("5000 getpid: %d results, err %v", len(vals), err)
	}
	fd := call(t, e, ctx, pl, "open", "/dev/zero", builtins.Const("o_rdonly"))
	reads := make([]builtins.BatchCall, 60)
	for i := range reads {
		reads[i] = batchCall("read", fd, int64(1<<20))
	}
	vals, err = e.Batch(ctx, pl, reads)
	if err != nil || len(vals) != len(reads) {
		t.Fatalf("60 large reads: %d results, err %v", len(vals), err)
	}
	if s, _ := vals[59].(string); len(s) < 16<<10 {
		t.Errorf("the last read returned %d bytes", len(s))
	}
}

// A node killed during a batch ends it at once: the call under way and
// those after it fail as calls to an ended node do, and nothing hangs.
func TestBatchNodeKilledMidway(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	pl := fork(t, e, ctx, nil)
	fifo := filepath.Join(t.TempDir(), "fifo")
	call(t, e, ctx, pl, "mkfifo", fifo, int64(0o600))
	pid := e.hostPid(t, pl)
	go func() {
		time.Sleep(100 * time.Millisecond)
		unix.Kill(pid, unix.SIGKILL)
	}()
	start := time.Now()
	vals, err := e.Batch(ctx, pl, []builtins.BatchCall{batchCall("getpid"),
		batchCall("open", fifo, builtins.Const("o_rdonly")), batchCall("getpid")})
	if !errors.Is(err, builtins.ErrExited) || len(vals) != 1 {
		t.Errorf("results %v, err %v: want getpid's, then the node's end", vals, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the batch ended %v after the kill", d)
	}
}

// A proto-node and a node make the same batches alike: random batches of
// mkdir, rmdir, chdir and getcwd in two like trees, some calls
// tolerating errnos, give the same results, stop at the same call with
// the same errno, and leave the same directories.
func TestBatchProtoAndNodeAgree(t *testing.T) {
	needProto(t)
	e, ctx := start(t)
	proto := fork(t, e, ctx, nil)
	node := fork(t, e, ctx, nil)
	bootNode(t, e, ctx, node)
	roots := [2]string{t.TempDir(), t.TempDir()}
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "b", "a/c", "b/d", "missing/e"}
	errnos := []syscall.Errno{unix.EEXIST, unix.ENOENT, unix.ENOTEMPTY}
	for round := range 200 {
		var calls [2][]builtins.BatchCall
		for range 1 + rng.IntN(8) {
			name := names[rng.IntN(len(names))]
			var tol []syscall.Errno
			if rng.IntN(3) == 0 {
				tol = []syscall.Errno{errnos[rng.IntN(len(errnos))]}
			}
			op := []string{"mkdir", "rmdir", "chdir", "getcwd"}[rng.IntN(4)]
			for i, root := range roots {
				c := builtins.BatchCall{Name: op, Args: []any{filepath.Join(root, name)}, Tolerate: tol}
				switch op {
				case "mkdir":
					c.Args = append(c.Args, int64(0o755))
				case "getcwd":
					c.Args = nil
				}
				calls[i] = append(calls[i], c)
			}
		}
		pv, perr := e.Batch(ctx, proto, calls[0])
		nv, nerr := e.Batch(ctx, node, calls[1])
		if got, want := batchOutcome(pv, perr, roots[0]), batchOutcome(nv, nerr, roots[1]); got != want {
			t.Fatalf("round %d: proto-node %s, node %s", round, got, want)
		}
		if got, want := treeOf(t, roots[0]), treeOf(t, roots[1]); got != want {
			t.Fatalf("round %d: proto-node left %s, node %s", round, got, want)
		}
	}
	if !isProto(t, e, proto) {
		t.Error("the proto-node booted: the test compared two nodes")
	}
}

// batchOutcome words a batch's results and error, with its tree's root
// left out of paths, for comparing two trees' batches.
func batchOutcome(vals []any, err error, root string) string {
	s := fmt.Sprint(vals)
	var be *builtins.BatchError
	if errors.As(err, &be) {
		var errno syscall.Errno
		errors.As(err, &errno)
		s += fmt.Sprintf(" failed at %d (%s): %v", be.Index, be.Call, errno)
	} else if err != nil {
		s += " " + err.Error()
	}
	return strings.ReplaceAll(s, root, "ROOT")
}

// treeOf lists the directories under root.
func treeOf(t *testing.T, root string) string {
	var dirs []string
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && path != root {
			dirs = append(dirs, strings.TrimPrefix(path, root))
		}
		return nil
	})
	return strings.Join(dirs, " ")
}
