package engine_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// ids reads the four ids of a /proc status line (real, effective, saved,
// fs) as ints.
func ids(t *testing.T, f []string) []int64 {
	t.Helper()
	out := make([]int64, len(f))
	for i, s := range f {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = v
	}
	return out
}

// everyThread checks that each thread of pid has the same status line:
// setuid and friends must change all of a Go node's threads.
func everyThread(t *testing.T, pid int, key string, want string) {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no threads of %d: %v", pid, err)
	}
	for _, path := range tasks {
		if got := fmt.Sprint(statusField(t, path, key)); got != want {
			t.Fatalf("%s %s = %s, want %s", path, key, got, want)
		}
	}
}

// The get calls agree with /proc/PID/status.
func TestGetuidGetgid(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	pid := leafPid(c)
	uid, gid := ids(t, procStatus(t, pid, "Uid")), ids(t, procStatus(t, pid, "Gid"))
	for name, want := range map[string]int64{"getuid": uid[0], "geteuid": uid[1], "getgid": gid[0], "getegid": gid[1]} {
		if got := s.int(c, name); got != want {
			t.Errorf("%s = %d, /proc says %d", name, got, want)
		}
	}
	resu := s.call(c, "getresuid").(builtins.Record)
	if want := (builtins.Record{"real": uid[0], "effective": uid[1], "saved": uid[2]}); builtins.Format(resu) != builtins.Format(want) {
		t.Errorf("getresuid = %s, /proc says %s", builtins.Format(resu), builtins.Format(want))
	}
	resg := s.call(c, "getresgid").(builtins.Record)
	if want := (builtins.Record{"real": gid[0], "effective": gid[1], "saved": gid[2]}); builtins.Format(resg) != builtins.Format(want) {
		t.Errorf("getresgid = %s, /proc says %s", builtins.Format(resg), builtins.Format(want))
	}
	groups := s.call(c, "getgroups").([]any)
	if got, want := fmt.Sprint(groups...), fmt.Sprint(sortedIDs(t, procStatus(t, pid, "Groups"))...); got != want {
		t.Errorf("getgroups = %v, /proc says %v", got, want)
	}
}

func sortedIDs(t *testing.T, f []string) []any {
	var out []any
	for _, v := range ids(t, f) {
		out = append(out, v)
	}
	return out
}

// alcove_SUITE setuid: uid 65534 reads back, on every thread.
func TestAlcoveSetuid(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	c := s.fork(nil)
	s.boot(c) // a booted node, several threads (a proto-node would set one)
	s.call(c, "setuid", int64(65534))
	if got := s.int(c, "getuid"); got != 65534 {
		t.Fatalf("getuid = %d", got)
	}
	everyThread(t, leafPid(c), "Uid", "[65534 65534 65534 65534]")
}

// alcove_SUITE setgid: gid 65534 reads back, on every thread.
func TestAlcoveSetgid(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	c := s.fork(nil)
	s.boot(c) // a booted node, several threads (a proto-node would set one)
	s.call(c, "setgid", int64(65534))
	if got := s.int(c, "getgid"); got != 65534 {
		t.Fatalf("getgid = %d", got)
	}
	everyThread(t, leafPid(c), "Gid", "[65534 65534 65534 65534]")
}

// setresgid and setresuid set three different ids, on every thread.
func TestSetresuidSetresgid(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	c := s.fork(nil)
	s.call(c, "setresgid", int64(1001), int64(1002), int64(1003))
	s.call(c, "setresuid", int64(2001), int64(2002), int64(2003))
	if got := builtins.Format(s.call(c, "getresgid")); got != "{effective: 1002, real: 1001, saved: 1003}" {
		t.Fatalf("getresgid = %s", got)
	}
	if got := builtins.Format(s.call(c, "getresuid")); got != "{effective: 2002, real: 2001, saved: 2003}" {
		t.Fatalf("getresuid = %s", got)
	}
	everyThread(t, leafPid(c), "Gid", "[1001 1002 1003 1002]")
	everyThread(t, leafPid(c), "Uid", "[2001 2002 2003 2002]")
	// -1 keeps an id: drop the saved uid only.
	s.call(c, "setresuid", int64(-1), int64(-1), int64(2002))
	everyThread(t, leafPid(c), "Uid", "[2001 2002 2002 2002]")
}

// alcove_SUITE setgroups: [10000 10001 10002] reads back sorted (alcove
// returns them reversed), and [] reads back [].
func TestAlcoveSetgroups(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	c := s.fork(nil)
	s.call(c, "setgroups", []any{int64(10002), int64(10000), int64(10001)})
	if got := builtins.Format(s.call(c, "getgroups")); got != "[10000 10001 10002]" {
		t.Fatalf("getgroups = %s", got)
	}
	everyThread(t, leafPid(c), "Groups", "[10000 10001 10002]")
	s.call(c, "setgroups", []any{})
	if got := builtins.Format(s.call(c, "getgroups")); got != "[]" {
		t.Fatalf("getgroups after setgroups [] = %s", got)
	}
	everyThread(t, leafPid(c), "Groups", "[]")
}

// Without root, setresuid to another user is refused with eperm (as
// root, the node first becomes nobody).
func TestSetresuidUnprivileged(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	if os.Geteuid() == 0 {
		s.call(c, "setresuid", int64(65534), int64(65534), int64(65534))
	}
	if err := s.fails(c, "setresuid", int64(0), int64(0), int64(0)); !errors.Is(err, unix.EPERM) {
		t.Fatalf("setresuid 0 unprivileged: %v, want eperm", err)
	}
	if err := s.fails(c, "setgroups", []any{int64(0)}); !errors.Is(err, unix.EPERM) {
		t.Fatalf("setgroups unprivileged: %v, want eperm", err)
	}
}
