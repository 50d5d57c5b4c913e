package engine

import (
	"errors"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// Waitpid through a handle returns a WaitStatus struct: the child's pid
// and its status as syscall.WaitStatus, reaped once (no zombie), after
// which the node has no child to wait for.
func TestHandleWaitpidIsTyped(t *testing.T) {
	e, ctx := start(t)
	c, err := e.Root().Fork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sigaction(ctx, unix.SIGCHLD, builtins.Const("sig_info")); err != nil {
		t.Fatal(err) // the node leaves its children to waitpid
	}
	g, err := c.Fork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	host := g.HostPid()
	g.Exit(ctx, 5)
	var ws WaitStatus
	for n := 0; ws.Pid == 0; n++ {
		if ws, err = c.Waitpid(ctx, -1, unix.WNOHANG); err != nil {
			t.Fatal(err)
		}
		if n > 10000 {
			t.Fatal("waitpid never saw the child exit")
		}
	}
	if ws.Pid != g.Pid() || !ws.Status.Exited() || ws.Status.ExitStatus() != 5 {
		t.Fatalf("Waitpid = %+v (exited %v, status %d), want pid %d exit status 5", ws, ws.Status.Exited(), ws.Status.ExitStatus(), g.Pid())
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(host)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("child %d still in /proc after Waitpid: %v", host, err)
	}
	if _, err := c.Waitpid(ctx, -1, unix.WNOHANG); !errors.Is(err, unix.ECHILD) {
		t.Fatalf("a second Waitpid: %v, want echild", err)
	}
}
