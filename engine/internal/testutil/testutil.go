// Package testutil holds what the tests of several engine packages need:
// the skip-or-fail rule for tests with prerequisites, and looks at
// processes and fds through /proc.
package testutil

import (
	"debug/elf"
	"fmt"
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

// Dynamic says whether the running binary is linked dynamically (it names
// an ELF interpreter): a race build, or any go build or go test with cgo
// on, which is Go's default where it finds a C compiler.
func Dynamic() bool {
	f, err := elf.Open("/proc/self/exe")
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return true
		}
	}
	return false
}

// RequireStatic ends a test whose nodes must start (boot, or run a full
// node) where the binary's ELF interpreter is missing, such as an empty
// jail, or must not have the threads a cgo runtime starts: a dynamically
// linked test binary cannot pass it. A race build (race), dynamic by
// necessity, skips; another fails under Required and says how to build
// (as make does), else skips and says why.
func RequireStatic(t testing.TB, race bool, why string) {
	t.Helper()
	if !Dynamic() {
		return
	}
	if race {
		t.Skip("a race build is linked dynamically: " + why)
	}
	msg := "the test binary is linked dynamically (cgo on, Go's default where a C compiler is found): " + why +
		"; run the tests with CGO_ENABLED=0, as make does"
	Missing(t, msg, msg)
}
