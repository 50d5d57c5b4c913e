package engine

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alsh/alsh/engine/internal/relay"
	"github.com/alsh/alsh/internal/sshtest"
)

// startRemote starts an engine whose root runs on test host name.
func startRemote(t testing.TB, sshCmd, name string) (*Engine, context.Context) {
	t.Helper()
	timeout := testTimeout
	if _, bench := t.(*testing.B); bench {
		timeout = 10 * time.Minute // a benchmark's calls add up
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	e, err := Start(ctx, Options{Host: name, SSHCommand: sshCmd})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, ctx
}

// run forks a child of the root, execs sh -c script there and returns
// its output once it exited.
func run(t testing.TB, e *Engine, ctx context.Context, script string) string {
	t.Helper()
	pl := fork(t, e, ctx, nil)
	call(t, e, ctx, pl, "execvp", "/bin/sh", []any{"sh", "-c", script})
	if ev := event(t, e, ctx, pl); ev == nil {
		t.Fatalf("%v: no exit event", pl)
	}
	out, _ := e.Call(ctx, pl, "stdout", []any{int64(0)})
	s, _ := out.(string)
	return s
}

func TestRemoteRootRunsOnTheHost(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	e, ctx := startRemote(t, ssh, "box1")
	if h := call(t, e, ctx, nil, "gethostname"); h != "box1" {
		t.Fatalf("gethostname on the remote root: %q, want box1", h)
	}
	marker := "alsh-remote-" + time.Now().Format("150405.000000")
	out := run(t, e, ctx, "hostname; echo hi > /tmp/"+marker+"; cat /tmp/"+marker+"; ls -ld $HOME/.cache/alsh")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || lines[0] != "box1" || lines[1] != "hi" || !strings.HasPrefix(lines[2], "drwx------") {
		t.Fatalf("remote program's output: %q", out)
	}
	if _, err := os.Stat("/tmp/" + marker); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the remote program's file is in the local /tmp: %v", err)
	}
}

// TestRemoteBinaryGivenIsSent: a binary given by RemoteBinary (here a
// copy of this one with bytes appended, so that its sha256 differs) is
// what the host receives, caches under its own hash and runs.
func TestRemoteBinaryGivenIsSent(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	given := filepath.Join(t.TempDir(), "alsh-given")
	if err := os.WriteFile(given, append(data, "\nalsh remote binary test\n"...), 0o755); err != nil {
		t.Fatal(err)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(append(data, "\nalsh remote binary test\n"...)))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	e, err := Start(ctx, Options{Host: "box1", SSHCommand: ssh, RemoteBinary: given})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if h := call(t, e, ctx, nil, "gethostname"); h != "box1" {
		t.Fatalf("gethostname: %v", h)
	}
	if out := run(t, e, ctx, "ls $HOME/.cache/alsh"); strings.TrimSpace(out) != "alsh-"+sum {
		t.Fatalf("the host's cache holds %q, want only alsh-%s", out, sum)
	}
	if sshtest.Pgrep(t, ssh, "box1", "alsh-"+sum+" "+relay.HubFlag) == "" {
		t.Fatalf("the hub on box1 does not run the binary given: %s", sshtest.Pgrep(t, ssh, "box1", "alsh"))
	}
}

// TestDelayedHostIsAwayInItsOwnNetwork checks the benchmark's far host
// (sshtest.DelayedHost): its programs see a network of their own, the
// veth end and its 10.199 address, and a call's round trip takes at
// least the link's two delays (a lower bound, which load cannot break).
func TestDelayedHostIsAwayInItsOwnNetwork(t *testing.T) {
	const delay = 10 * time.Millisecond
	ssh, how := sshtest.DelayedHost(t, "far1", delay)
	t.Logf("delay by %s", how)
	e, ctx := startRemote(t, ssh, "far1")
	out := run(t, e, ctx, "hostname; cat /proc/net/dev; ip -br addr 2>/dev/null || true")
	if !strings.HasPrefix(out, "far1\n") || !regexp.MustCompile(`(?m)^\s*alsh\d+n:`).MatchString(out) || strings.Contains(out, "eth0") {
		t.Fatalf("the far host's network, as a program there sees it:\n%s", out)
	}
	for range 3 {
		t0 := time.Now()
		call(t, e, ctx, nil, "getpid")
		if d := time.Since(t0); d < 2*delay {
			t.Fatalf("a call's round trip took %v, less than the link's %v", d, 2*delay)
		}
	}
}
