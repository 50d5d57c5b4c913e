package engine_test

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// alcove_SUITE version: version is a string, the build's.
func TestAlcoveVersion(t *testing.T) {
	s := startSC(t)
	if v := s.call(nil, "version"); v != builtins.Version {
		t.Fatalf("version = %s, want %q", builtins.Format(v), builtins.Version)
	}
}

// alcove_SUITE setpgid: setpgid(0, 0) changes getpgrp (the kernel's
// /proc/PID/stat field 5 is the oracle).
func TestAlcoveSetpgid(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	pid := int64(leafPid(c))
	if got, want := s.int(c, "getpgrp"), procStat(t, leafPid(c), 5); got != want {
		t.Fatalf("getpgrp = %d, /proc says %d", got, want)
	}
	s.call(c, "setpgid", int64(0), int64(0))
	if got := s.int(c, "getpgrp"); got != pid {
		t.Fatalf("getpgrp after setpgid 0 0 = %d, want %d", got, pid)
	}
	if got := procStat(t, leafPid(c), 5); got != pid {
		t.Fatalf("/proc pgrp after setpgid 0 0 = %d, want %d", got, pid)
	}
}

// setsid makes the node a session leader, unless it leads a process group
// (eperm); getsid reads it back, /proc/PID/stat field 6 agrees.
func TestSetsidGetsid(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	pid := int64(leafPid(c))
	if got, want := s.int(c, "getsid"), procStat(t, leafPid(c), 6); got != want {
		t.Fatalf("getsid = %d, /proc says %d", got, want)
	}
	if s.int(c, "getpgrp") == pid {
		if err := s.fails(c, "setsid"); !errors.Is(err, unix.EPERM) {
			t.Fatalf("setsid as a group leader: %v, want eperm", err)
		}
		return
	}
	if sid := s.int(c, "setsid"); sid != pid {
		t.Fatalf("setsid = %d, want %d", sid, pid)
	}
	if got := s.int(c, "getsid", int64(0)); got != pid {
		t.Fatalf("getsid 0 = %d, want %d", got, pid)
	}
	if got := procStat(t, leafPid(c), 6); got != pid {
		t.Fatalf("/proc session = %d, want %d", got, pid)
	}
	if err := s.fails(c, "getsid", int64(1<<30)); !errors.Is(err, unix.ESRCH) {
		t.Fatalf("getsid of no process: %v, want esrch", err)
	}
}

// waitpid sees a stopped and a continued child, and returns pid 0 with
// wnohang when nothing changed (alcove returns a tuple; alsh a record).
func TestWaitpid(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	g := s.fork(c)
	gp := int64(leafPid(g))
	s.call(c, "kill", gp, builtins.Const("sigstop"))
	r := s.call(c, "waitpid", gp, consts("wuntraced")).(builtins.Record)
	if r["pid"] != gp || r["stopsig"] != "sigstop" {
		t.Fatalf("waitpid of a stopped child = %s", builtins.Format(r))
	}
	if ws := unix.WaitStatus(r["status"].(int64)); !ws.Stopped() || ws.StopSignal() != unix.SIGSTOP {
		t.Fatalf("raw status %#x is not stopped by sigstop", r["status"])
	}
	r = s.call(c, "waitpid", int64(-1), consts("wnohang", "wuntraced", "wcontinued")).(builtins.Record)
	if r["pid"] != int64(0) || len(r) != 2 {
		t.Fatalf("waitpid wnohang with nothing pending = %s, want {pid: 0, status: 0}", builtins.Format(r))
	}
	s.call(c, "kill", gp, builtins.Const("sigcont"))
	r = s.call(c, "waitpid", gp, consts("wcontinued")).(builtins.Record)
	if r["pid"] != gp || r["continued"] != int64(1) {
		t.Fatalf("waitpid of a continued child = %s", builtins.Format(r))
	}
	if got := s.int(g, "getpid"); got != gp {
		t.Fatalf("the continued child answers getpid %d", got)
	}
	if err := s.fails(c, "waitpid", int64(1<<30), int64(0)); !errors.Is(err, unix.ECHILD) {
		t.Fatalf("waitpid of no child: %v, want echild", err)
	}
}

// getpriority reports the nice value (not the raw 20-nice), as /proc
// PID/stat field 19 does; setpriority changes it.
func TestGetpriority(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	pid := leafPid(c)
	if got, want := s.int(c, "getpriority", builtins.Const("prio_process"), int64(0)), procStat(t, pid, 19); got != want {
		t.Fatalf("getpriority = %d, /proc nice = %d", got, want)
	}
	s.call(c, "setpriority", builtins.Const("prio_process"), int64(0), int64(7))
	if got := s.int(c, "getpriority", builtins.Const("prio_process"), int64(0)); got != 7 {
		t.Fatalf("getpriority after setpriority 7 = %d", got)
	}
	if got := procStat(t, pid, 19); got != 7 {
		t.Fatalf("/proc nice after setpriority 7 = %d", got)
	}
	if got := s.int(nil, "getpriority", builtins.Const("prio_process"), int64(pid)); got != 7 {
		t.Fatalf("getpriority of the child from the root = %d", got)
	}
}

// setproctitle sets the kernel's name of the process (/proc/PID/comm).
func TestSetproctitle(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	s.call(c, "setproctitle", "alsh-title-test-long")
	b, err := os.ReadFile("/proc/" + itoa(leafPid(c)) + "/comm")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != "alsh-title-test" {
		t.Fatalf("comm = %q, want the first 15 bytes", got)
	}
}

// alcove_SUITE fexecve: open /usr/bin/env [o_rdonly o_cloexec] and
// fexecve it with an environment, which it prints.
func TestAlcoveFexecve(t *testing.T) {
	if _, err := os.Stat("/usr/bin/env"); err != nil {
		t.Skip("no /usr/bin/env")
	}
	s := startSC(t)
	c := s.fork(nil)
	fd := s.call(c, "open", "/usr/bin/env", consts("o_rdonly", "o_cloexec"))
	s.call(c, "fexecve", fd, strList("env"), strList("FOO=bar", "BAR=1234567"))
	if out := s.output(c); out != "FOO=bar\nBAR=1234567\n" {
		t.Fatalf("env printed %q", out)
	}
}

// fexecve of an fd that is not open fails with ebadf, and the node stays.
func TestFexecveBadFd(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	if err := s.fails(c, "fexecve", int64(1000), strList("x"), strList()); !errors.Is(err, unix.EBADF) {
		t.Fatalf("fexecve 1000: %v, want ebadf", err)
	}
	s.call(c, "getpid")
}

// alcove_SUITE execve: /usr/bin/env prints exactly the environment given;
// with [] it prints nothing.
func TestAlcoveExecve(t *testing.T) {
	if _, err := os.Stat("/usr/bin/env"); err != nil {
		t.Skip("no /usr/bin/env")
	}
	s := startSC(t)
	c := s.fork(nil)
	s.call(c, "execve", "/usr/bin/env", strList("env"), strList("FOO=bar", "BAR=1234567"))
	if out := s.output(c); out != "FOO=bar\nBAR=1234567\n" {
		t.Fatalf("env printed %q", out)
	}
	d := s.fork(nil)
	s.call(d, "execve", "/usr/bin/env", strList("env"), strList())
	if out := s.output(d); out != "" {
		t.Fatalf("env with no environment printed %q", out)
	}
}

// waitpid reports a child that exits while it waits, and the node still
// reaps it: its exit event comes, and the slot is free for a new child.
func TestWaitpidExit(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	s.call(c, "setopt", builtins.Const("maxchild"), int64(1))
	g := s.fork(c)
	gp := int64(leafPid(g))
	done := make(chan builtins.Record, 1)
	go func() {
		v, err := s.e.Call(s.ctx, c, "waitpid", []any{gp, int64(0)})
		if err != nil {
			t.Errorf("waitpid: %v", err)
		}
		r, _ := v.(builtins.Record)
		done <- r
	}()
	inSyscall(t, leafPid(c), unix.SYS_WAITID)
	s.call(g, "exit", int64(3))
	r := <-done
	if r["pid"] != gp || r["exit_status"] != int64(3) || r["status"] != int64(3<<8) {
		t.Fatalf("waitpid of an exiting child = %s", builtins.Format(r))
	}
	if ev := builtins.Format(s.call(g, "event", int64(5000))); ev != "{exit_status: 3}" {
		t.Fatalf("exit event = %s", ev)
	}
	s.fork(c) // maxchild 1: the exited child's slot was freed
}

// inSyscall waits until pid's main thread is blocked in syscall nr
// (/proc/PID/syscall starts with its number).
func inSyscall(t *testing.T, pid int, nr int) {
	t.Helper()
	want := strconv.Itoa(nr) + " "
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		b, err := os.ReadFile("/proc/" + itoa(pid) + "/syscall")
		if err != nil {
			t.Skipf("no /proc/PID/syscall: %v", err)
		}
		if strings.HasPrefix(string(b), want) {
			return
		}
	}
	t.Fatalf("process %d never entered syscall %d", pid, nr)
}
