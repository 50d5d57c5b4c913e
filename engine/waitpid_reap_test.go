package engine_test

import (
	"errors"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// With sigchld sig_info the node leaves its children to waitpid, which
// reaps as waitpid(2) does: the exited child is reported once, is no
// zombie afterwards, and the next waitpid finds no child (so a loop of
// waitpid wnohang ends). Its exit event still comes, once.
func TestWaitpidReapsOnce(t *testing.T) {
	s := startSC(t)
	c := s.fork(nil)
	s.call(c, "sigaction", builtins.Const("sigchld"), builtins.Const("sig_info"))
	g := s.fork(c)
	host := int(s.int(g, "getpid")) // a fork's child is in the driver's pid namespace here
	s.call(g, "exit", int64(3))
	var r builtins.Record
	for n := 0; ; n++ {
		r = s.call(c, "waitpid", int64(-1), consts("wnohang")).(builtins.Record)
		if r["pid"] != int64(0) {
			break
		}
		if n > 10000 {
			t.Fatal("waitpid never saw the child exit")
		}
	}
	if r["pid"] != int64(leafPid(g)) || r["exit_status"] != int64(3) {
		t.Fatalf("waitpid = %s, want the child's exit_status 3", builtins.Format(r))
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(host)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("child %d still in /proc after waitpid reaped it (zombie): %v", host, err)
	}
	if err := s.fails(c, "waitpid", int64(-1), consts("wnohang")); !errors.Is(err, unix.ECHILD) {
		t.Fatalf("second waitpid: %v, want echild", err)
	}
	if ev := builtins.Format(s.call(g, "event", int64(5000))); ev != "{exit_status: 3}" {
		t.Fatalf("exit event = %s", ev)
	}
	if l := s.call(c, "cpid").([]any); len(l) != 0 {
		t.Errorf("cpid after the child was reaped: %s", builtins.Format(l))
	}
}
