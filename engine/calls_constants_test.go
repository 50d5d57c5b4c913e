package engine_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// alcove_SUITE file_constant, ioctl_constant, rlimit_constant,
// signal_constant, clone_constant, prctl_constant, ptrace_constant,
// syscall_constant: the same value in the root and in a child, the
// kernel's (x/sys's); an unknown name is an error naming it.
func TestAlcoveConstants(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	for _, tc := range []struct {
		table, name string
		want        int64
	}{
		{"file", "o_rdonly", unix.O_RDONLY},
		{"ioctl", "siocgifaddr", unix.SIOCGIFADDR},
		{"rlimit", "rlimit_nofile", unix.RLIMIT_NOFILE},
		{"signal", "sighup", int64(unix.SIGHUP)},
		{"clone", "clone_newns", unix.CLONE_NEWNS},
		{"prctl", "pr_set_name", unix.PR_SET_NAME},
		{"ptrace", "ptrace_traceme", unix.PTRACE_TRACEME},
		{"syscall", "sys_exit", unix.SYS_EXIT},
		{"mount", "MS_BIND", unix.MS_BIND},
	} {
		for _, pl := range [][]int{nil, c} {
			if got := s.int(pl, "constant", builtins.Const(tc.table), builtins.Const(tc.name)); got != tc.want {
				t.Errorf("constant %v %s %s = %d, want %d", pl, tc.table, tc.name, got, tc.want)
			}
		}
	}
	if got := s.int(c, "constant", "wait", "wnohang"); got != unix.WNOHANG {
		t.Errorf("constant with strings = %d", got)
	}
	err := s.fails(c, "constant", builtins.Const("clone"), builtins.Const("nonexist"))
	if !errors.Is(err, builtins.ErrBadArg) || !strings.Contains(err.Error(), "nonexist") {
		t.Errorf("unknown constant: %v", err)
	}
	if err := s.fails(c, "constant", builtins.Const("nosuchtable"), builtins.Const("x")); !strings.Contains(err.Error(), "nosuchtable") {
		t.Errorf("unknown table: %v", err)
	}
}

// alcove_SUITE errno_id: 1 is eperm; 0 is not an errno.
func TestAlcoveErrnoID(t *testing.T) {
	s := startSC(t)
	if got := s.call(nil, "errno", int64(1)); got != "eperm" {
		t.Fatalf("errno 1 = %v", got)
	}
	if got := s.call(nil, "errno", int64(95)); got != "enotsup" {
		t.Fatalf("errno 95 = %v", got)
	}
	s.fails(nil, "errno", int64(0))
}
