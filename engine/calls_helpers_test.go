package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine"
)

// Helpers for the tests of the plain syscalls: each test starts
// a real engine, forks or clones a child node, makes the call and checks
// the result against the kernel (/proc, stat) where it can.

// sc is one test's engine and context.
type sc struct {
	t   *testing.T
	e   *engine.Engine
	ctx context.Context
}

// boot makes pl's proto-node boot, with a call no proto-node serves (the
// node's own option).
func (s *sc) boot(pl []int) { s.call(pl, "getopt", builtins.Const("maxchild")) }

// startSC starts an engine that the test closes when it ends.
func startSC(t *testing.T) *sc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	e, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return &sc{t: t, e: e, ctx: ctx}
}

// call makes a call that must succeed.
func (s *sc) call(pl []int, name string, args ...any) any {
	s.t.Helper()
	v, err := s.e.Call(s.ctx, pl, name, args)
	if err != nil {
		s.t.Fatalf("%s %v %s: %v", name, pl, builtins.Format(args), err)
	}
	return v
}

// fails makes a call that must fail, and returns its error.
func (s *sc) fails(pl []int, name string, args ...any) error {
	s.t.Helper()
	v, err := s.e.Call(s.ctx, pl, name, args)
	if err == nil {
		s.t.Fatalf("%s %v %s = %s, want an error", name, pl, builtins.Format(args), builtins.Format(v))
	}
	return err
}

func (s *sc) int(pl []int, name string, args ...any) int64 {
	s.t.Helper()
	v, ok := s.call(pl, name, args...).(int64)
	if !ok {
		s.t.Fatalf("%s: not an int", name)
	}
	return v
}

// fork forks a child of pl and returns its pipeline.
func (s *sc) fork(pl []int) []int {
	s.t.Helper()
	return append(append([]int(nil), pl...), int(s.int(pl, "fork")))
}

// clone clones a child of pl with namespace flags (constant names).
func (s *sc) clone(pl []int, flags ...string) []int {
	s.t.Helper()
	return append(append([]int(nil), pl...), int(s.int(pl, "clone", consts(flags...))))
}

// output waits for a program's exit event, then takes all its stdout
// (a process's output is delivered before its exit event).
func (s *sc) output(pl []int) string {
	s.t.Helper()
	if ev := s.call(pl, "event", int64(10000)); ev == nil {
		s.t.Fatalf("%v: no exit event", pl)
	}
	out, err := s.e.Call(s.ctx, pl, "stdout", []any{int64(0)})
	if errors.Is(err, builtins.ErrBadPid) {
		return "" // nothing left to take: the engine forgot the process
	}
	if err != nil {
		s.t.Fatalf("stdout %v: %v", pl, err)
	}
	return out.(string)
}

func consts(names ...string) []any {
	l := make([]any, len(names))
	for i, n := range names {
		l[i] = builtins.Const(n)
	}
	return l
}

func strList(ss ...string) []any {
	l := make([]any, len(ss))
	for i, s := range ss {
		l[i] = s
	}
	return l
}

func leafPid(pl []int) int { return pl[len(pl)-1] }

// procStatus reads fields of /proc/PID/status: "Uid" → ["0" "0" "0" "0"].
func procStatus(t *testing.T, pid int, key string) []string {
	t.Helper()
	return statusField(t, fmt.Sprintf("/proc/%d/status", pid), key)
}

func statusField(t *testing.T, path, key string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == key {
			return strings.Fields(v)
		}
	}
	t.Fatalf("%s has no %s", path, key)
	return nil
}

// procStat returns field n (1-based, as in proc(5)) of /proc/PID/stat.
func procStat(t *testing.T, pid, n int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // field 3 on
	v, err := strconv.ParseInt(f[n-3], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// nsLink is the target of /proc/PID/ns/NAME, such as "uts:[4026531838]".
func nsLink(t *testing.T, pid any, name string) string {
	t.Helper()
	l, err := os.Readlink(fmt.Sprintf("/proc/%v/ns/%s", pid, name))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// mountinfo reads /proc/PID/mountinfo.
func mountinfo(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mountedAt says whether mountinfo has a mount point at path.
func mountedAt(info, path string) bool {
	for _, line := range strings.Split(info, "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == path {
			return true
		}
	}
	return false
}

func itoa(i int) string { return strconv.Itoa(i) }
