package proto

import (
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// Each call of the one list is a call of the table with an op the
// proto-node dispatches (opBoot, 0, would boot instead): the runtime-free
// calls share opRaw and have an implementation; each other call has an op
// of its own.
func TestCallsAreTableCallsWithOwnOps(t *testing.T) {
	seen := map[uint16]string{}
	for name, op := range Calls() {
		if _, ok := builtins.Lookup(name); !ok {
			t.Errorf("%s is not a call of the table", name)
		}
		if op == opBoot || op >= protoOps {
			t.Errorf("%s has op %d, which the proto-node does not serve", name, op)
		}
		if op == opRaw {
			if !isRawImpl(name) {
				t.Errorf("%s has opRaw but no runtime-free implementation", name)
			}
			continue
		}
		if other, dup := seen[op]; dup {
			t.Errorf("%s and %s share op %d", name, other, op)
		}
		seen[op] = name
	}
}

// PATH goes to the proto-node cleaned as exec.LookPath joins it, and not
// at all when an entry is relative (the node looks those up).
func TestAbsolutePath(t *testing.T) {
	cases := map[string]string{
		"/usr/bin:/bin":    "/usr/bin:/bin\x00",
		"/usr//bin/:/":     "/usr/bin:\x00",
		"/a/../b":          "/b\x00",
		"/bin::/usr/bin":   "",
		"bin:/usr/bin":     "",
		"/usr/bin:./tools": "",
	}
	for path, want := range cases {
		if got := string(AbsolutePath(path)); got != want {
			t.Errorf("AbsolutePath(%q) = %q, want %q", path, got, want)
		}
	}
	// Each entry as filepath.Clean makes it (exec.LookPath joins with it).
	for _, dir := range []string{"/", "//", "/..", "/../a", "/a/./b/", "/a/b/../..", "/a/b/../../..", "/...", "/a/..b",
		"/a//b//", "/./", "/a/.", "/.a/b/..", "/a/b/c/../../d/./e/.."} {
		want := filepath.Clean(dir)
		if want == "/" {
			want = ""
		}
		if got := string(AbsolutePath(dir + ":" + dir)); got != want+":"+want+"\x00" {
			t.Errorf("AbsolutePath(%q) = %q, want %q twice", dir+":"+dir, got, want)
		}
	}
	if out := make([]byte, 4); CleanPath(out, []byte("/usr/bin")) != -1 {
		t.Error("CleanPath wrote past its room")
	}
}

// A limit is set by the proto-node only when the Go runtime could still
// start after it; else the node sets it.
func TestLimitSafe(t *testing.T) {
	const inf = ^uint64(0)
	cases := []struct {
		res  int64
		cur  uint64
		safe bool
	}{
		{unix.RLIMIT_NOFILE, 64, true}, {unix.RLIMIT_NOFILE, 63, false},
		{unix.RLIMIT_NPROC, inf, true}, {unix.RLIMIT_NPROC, 4096, false},
		{unix.RLIMIT_AS, 1 << 30, false}, {unix.RLIMIT_DATA, 1 << 30, false}, {unix.RLIMIT_STACK, 1 << 20, false},
		{unix.RLIMIT_AS, inf, false}, {unix.RLIMIT_DATA, inf, false}, {unix.RLIMIT_STACK, inf, true}, // the node keeps AS and DATA
		{unix.RLIMIT_FSIZE, 0, true},
		{-1, 0, false}, {rlimNlimits, 0, false},
	}
	for _, c := range cases {
		if got := protoLimitSafe(c.res, c.cur); got != c.safe {
			t.Errorf("protoLimitSafe(%d, %d) = %v, want %v", c.res, c.cur, got, c.safe)
		}
	}
}
