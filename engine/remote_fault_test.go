package engine

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/internal/sshtest"
)

// pgrep lists the processes on this machine (the test hosts' too) whose
// command line matches pattern.
func pgrep(pattern string) string {
	out, _ := exec.Command("pgrep", "-af", pattern).Output()
	return strings.TrimSpace(string(out))
}

// gone waits up to d for no process to match pattern.
func gone(pattern string, d time.Duration) (string, bool) {
	deadline := time.Now().Add(d)
	for {
		left := pgrep(pattern)
		if left == "" {
			return "", true
		}
		if time.Now().After(deadline) {
			return left, false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// running waits until a process matches each pattern.
func running(t *testing.T, patterns ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range patterns {
		for pgrep(p) == "" {
			if time.Now().After(deadline) {
				t.Fatalf("no process matches %s on the host", p)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func TestRemoteLossKillsTheHostsTreeAndSparesOthers(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1", "box2")
	e1, ctx := startRemote(t, ssh, "box1")
	e2, _ := startRemote(t, ssh, "box2")
	// A program, and one that left its session: the hub adopts orphans.
	pl := fork(t, e1, ctx, nil)
	call(t, e1, ctx, pl, "execvp", "/bin/sh", []any{"sh", "-c", "setsid sleep 7778 & exec sleep 7777"})
	deep := fork(t, e1, ctx, fork(t, e1, ctx, nil))
	call(t, e1, ctx, deep, "execvp", "sleep", []any{"sleep", "7776"})
	running(t, "^sleep 7778$", "^sleep 7777$", "^sleep 7776$")
	e1.killSSH() // the connection drops
	if left, ok := gone("^sleep 777[678]$", time.Second); !ok {
		t.Fatalf("1 s after the connection dropped, still running on the host: %s", left)
	}
	ev := call(t, e1, ctx, nil, "event", int64(5000))
	rec, _ := ev.(builtins.Record)
	if rec["host"] != "box1" || rec["lost"] == nil {
		t.Fatalf("the loss as an event: %v, want {host: box1, lost: …}", ev)
	}
	if ev := call(t, e1, ctx, nil, "event", int64(100)); ev != nil {
		t.Fatalf("a second event after the loss: %v", ev)
	}
	_, err := e1.Call(ctx, nil, "getpid", nil)
	var lost *HostLostError
	if !errors.Is(err, ErrHostLost) || !errors.As(err, &lost) || lost.Host != "box1" {
		t.Fatalf("a call to the lost host: %v, want a HostLostError naming box1", err)
	}
	if h := call(t, e2, ctx, nil, "gethostname"); h != "box2" {
		t.Fatalf("the other host after box1's loss: %v", h)
	}
}

func TestRemoteCloseLeavesNothing(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	e, ctx := startRemote(t, ssh, "box1")
	pl := fork(t, e, ctx, nil)
	call(t, e, ctx, pl, "execvp", "/bin/sh", []any{"sh", "-c", "trap '' TERM; setsid sleep 7768 & exec sleep 7767"})
	running(t, "^sleep 7768$", "^sleep 7767$")
	e.Close()
	if left, ok := gone("^sleep 776[78]$", time.Second); !ok {
		t.Fatalf("after Close, still running on the host: %s", left)
	}
}

func TestRemoteUnreachableHostSaysWhatSSHSaid(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	// A host of the same config whose port nobody listens on.
	_, err := Start(t.Context(), Options{Host: "nohost", SSHCommand: ssh + " -o HostName=127.0.0.1 -o Port=1"})
	if err == nil || !strings.Contains(err.Error(), "host nohost") || !strings.Contains(err.Error(), "Connection refused") {
		t.Fatalf("starting on an unreachable host: %v, want its name and ssh's message", err)
	}
}
