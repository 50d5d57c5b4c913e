// Package testutil holds what the tests of several engine packages need:
// the skip-or-fail rule for tests with prerequisites, and looks at
// processes and fds through /proc.
package testutil

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// RequirePrivileged skips a test that needs root; with
// ALSH_REQUIRE_PRIVILEGED=1 (CI, as root) the skip becomes a failure.
func RequirePrivileged(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if Required() {
		t.Fatal("needs root, and ALSH_REQUIRE_PRIVILEGED=1")
	}
	t.Skip("needs root")
}

// Required says whether CI requires every test to run
// (ALSH_REQUIRE_PRIVILEGED=1): a missing prerequisite is then a failure.
func Required() bool { return os.Getenv("ALSH_REQUIRE_PRIVILEGED") == "1" }

// Missing ends a test whose prerequisite is missing: a failure (fail says
// why) when Required, else a skip (skip says why).
func Missing(t testing.TB, fail, skip string) {
	t.Helper()
	if Required() {
		t.Fatal(fail)
	}
	t.Skip(skip)
}

// Alive says whether pid runs; a zombie counts as dead (its parent may be
// gone and the machine's init slow to reap it).
func Alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || (s[i+2] != 'Z' && s[i+2] != 'X')
}

// WaitDead waits until none of pids is alive.
func WaitDead(t testing.TB, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for Alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d still alive", pid)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// FdCount counts the open fds of a process ("self" or a pid).
func FdCount(t testing.TB, proc any) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%v/fd", proc))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// RequireStaticBinary skips a test whose proto-nodes boot inside a jail
// or a new root that has no ELF interpreter, when the test binary is
// linked dynamically (a cgo build: plain go test where a C compiler is
// installed; CGO_ENABLED=0, as the Makefile sets, links it statically):
// such a node dies at its boot (a failure under ALSH_REQUIRE_PRIVILEGED=1,
// as for any missing prerequisite). A race build's nodes boot at their
// fork, before any chroot, and are left to the tests' own race checks.
func RequireStaticBinary(t testing.TB) {
	t.Helper()
	if raceEnabled {
		return
	}
	if interp := elfInterpreter("/proc/self/exe"); interp != "" {
		why := "the test binary is linked dynamically (it needs " + interp + ", which the jail lacks): build it with CGO_ENABLED=0, as make test does"
		Missing(t, why, why)
	}
}

// elfInterpreter is the program's PT_INTERP, or "".
func elfInterpreter(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, _ := io.ReadAll(p.Open())
			return strings.TrimRight(string(b), "\x00")
		}
	}
	return ""
}
