// Package testutil holds what the tests of several engine packages need:
// the skip-or-fail rule for tests with prerequisites, and looks at
// processes and fds through /proc.
package testutil

import (
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
