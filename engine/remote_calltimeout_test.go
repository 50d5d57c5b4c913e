package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/internal/sshtest"
)

// TestRemoteCallTimeoutWithoutDeadline: a call to a remote node whose
// context has no deadline ends at CallTimeout: it waits on the shared
// clock's ticks while the deadline is far and on a timer of its own for
// the last second (farWait), and the next call still gets its own reply.
func TestRemoteCallTimeoutWithoutDeadline(t *testing.T) {
	const callTimeout = 1200 * time.Millisecond
	ssh := sshtest.Hosts(t, "box1")
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	e, err := Start(ctx, Options{Host: "box1", SSHCommand: ssh, CallTimeout: callTimeout})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, nil, "kill", int64(c[0]), builtins.Const("sigstop"))
	t0 := time.Now()
	_, err = e.Call(context.Background(), c, "getpid", nil)
	took := time.Since(t0)
	if err == nil || !strings.Contains(err.Error(), "no reply") {
		t.Fatalf("call to a stopped remote node: %v, want a timeout", err)
	}
	if took < callTimeout || took > callTimeout+time.Second {
		t.Fatalf("the call gave up after %v, want %v", took, callTimeout)
	}
	call(t, e, ctx, nil, "kill", int64(c[0]), builtins.Const("sigcont"))
	if pid := call(t, e, ctx, c, "getpid"); pid != int64(c[0]) {
		t.Fatalf("getpid after the timeout: %v, want %d", pid, c[0])
	}
}
