package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/relay"
	"github.com/alsh/alsh/internal/sshtest"
)

// TestConnectHostRoutesPipelinesAndNamesTheHost drives a remote root
// through a local engine, as the language's host does: [-id …] goes to
// the host, ps names it, and its loss comes to the watcher once, with
// the host's name, while the local root goes on.
func TestConnectHostRoutesPipelinesAndNamesTheHost(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	e, ctx := start(t)
	for _, opts := range []builtins.Record{{"bogus": "x"}, {"bogus": int64(1)}} {
		if _, err := e.ConnectHost(ctx, "box1", opts); err == nil || !strings.Contains(err.Error(), "unknown option bogus") {
			t.Fatalf("host box1 %s: %v, want unknown option", builtins.Format(opts), err)
		}
	}
	id, err := e.ConnectHost(ctx, "box1", builtins.Record{"ssh": ssh})
	if err != nil {
		t.Fatal(err)
	}
	b := []int{-id}
	if h := call(t, e, ctx, b, "gethostname"); h != "box1" {
		t.Fatalf("gethostname [-%d]: %v", id, h)
	}
	c := fork(t, e, ctx, b)
	if h := call(t, e, ctx, c, "gethostname"); h != "box1" {
		t.Fatalf("gethostname %v: %v", c, h)
	}
	_, err = e.Call(ctx, []int{-id, 999999999}, "getpid", nil)
	if !errors.Is(err, builtins.ErrBadPid) || !strings.Contains(err.Error(), fmt.Sprintf("999999999 is not a live child of [-%d]", id)) {
		t.Fatalf("a call to a pid that box1's root has not: %v, want badpid naming [-%d]", err, id)
	}
	if !slices.ContainsFunc(e.Processes(), func(p builtins.ProcInfo) bool { return p.Host == "box1" && slices.Equal(p.Pipeline, c) }) {
		t.Fatalf("Processes does not list %v on box1: %+v", c, e.Processes())
	}
	var mu sync.Mutex
	var events []builtins.Message
	e.Watch(func(m builtins.Message) {
		mu.Lock()
		events = append(events, m)
		mu.Unlock()
	})
	hostEngine(t, e, id).killSSH()
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(events)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // a second event would come now
	mu.Lock()
	got := slices.Clone(events)
	mu.Unlock()
	var losses []builtins.Message
	for _, m := range got {
		if rec, ok := m.Data.(builtins.Record); ok && rec["lost"] != nil {
			losses = append(losses, m)
		}
	}
	if len(losses) != 1 || losses[0].Host != "box1" || !slices.Equal(losses[0].Pipeline, b) {
		t.Fatalf("events after the loss: %+v, want one loss on %v from box1", got, b)
	}
	if _, err := e.Call(ctx, c, "getpid", nil); !errors.Is(err, ErrHostLost) {
		t.Fatalf("a call to the lost host: %v", err)
	}
	if _, err := e.Call(ctx, nil, "getpid", nil); err != nil {
		t.Fatalf("the local root after the host's loss: %v", err)
	}
}

// hostEngine is host id's engine, once connected.
func hostEngine(t *testing.T, e *Engine, id int) *Engine {
	t.Helper()
	e.mu.Lock()
	c := e.hosts.conns[id-1]
	e.mu.Unlock()
	sub, err := c.await(t.Context(), time.Now().Add(testTimeout))
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// TestHostsConnectInParallel: ConnectHost returns at once and the hosts
// connect at the same time. Each connection's ssh waits at a barrier
// until all three have started, so connections made one after the other
// would fail; each host then runs its own programs.
func TestHostsConnectInParallel(t *testing.T) {
	names := []string{"box1", "box2", "box3"}
	ssh := sshtest.Barrier(t, len(names), sshtest.Hosts(t, names...))
	e, ctx := start(t)
	ids := make([]int, len(names))
	for i, name := range names {
		id, err := e.ConnectHost(ctx, name, builtins.Record{"ssh": ssh})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	for i, name := range names {
		c := fork(t, e, ctx, []int{-ids[i]})
		call(t, e, ctx, c, "execvp", "/bin/sh", []any{"sh", "-c", "hostname > /tmp/who; cat /tmp/who"})
		out, err := e.Call(ctx, c, "stdout", []any{int64(5000)})
		if err != nil || strings.TrimSpace(out.(string)) != name {
			t.Fatalf("host %s: a program there printed %q (%v)", name, out, err)
		}
		if sshtest.Pgrep(t, ssh, name, relay.HubFlag) == "" {
			t.Fatalf("host %s: no hub found there", name)
		}
	}
}

// TestHostUnreachableFailsAtItsFirstCall: host does not wait, so an
// unreachable host's error (naming it, with what ssh said) comes from
// each call to it, and try can catch it there; the local root goes on.
func TestHostUnreachableFailsAtItsFirstCall(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	e, ctx := start(t)
	id, err := e.ConnectHost(ctx, "nohost", builtins.Record{"ssh": ssh + " -o HostName=127.0.0.1 -o Port=1"})
	if err != nil {
		t.Fatalf("host returned an error before connecting: %v", err)
	}
	for range 2 {
		_, err := e.Call(ctx, []int{-id}, "getpid", nil)
		if err == nil || !strings.Contains(err.Error(), "host nohost") || !strings.Contains(err.Error(), "Connection refused") {
			t.Fatalf("a call to the unreachable host: %v, want its name and ssh's message", err)
		}
	}
	if _, err := e.Call(ctx, nil, "getpid", nil); err != nil {
		t.Fatalf("the local root: %v", err)
	}
	if _, err := e.ConnectHost(ctx, "-oProxyCommand=x", nil); err == nil {
		t.Fatal("a destination that ssh would take for an option was accepted")
	}
}

// TestCloseWhileHostsConnect: Close ends connections still being made,
// and leaves no ssh client and nothing on the hosts.
func TestCloseWhileHostsConnect(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1", "box2")
	e, ctx := start(t)
	for _, name := range []string{"box1", "box2"} {
		if _, err := e.ConnectHost(ctx, name, builtins.Record{"ssh": ssh}); err != nil {
			t.Fatal(err)
		}
	}
	// Close while box1's first stage runs (receiving the binary, or
	// about to).
	deadline := time.Now().Add(testTimeout)
	for sshtest.Pgrep(t, ssh, "box1", "alsh") == "" {
		if time.Now().After(deadline) {
			t.Fatal("box1's connection never reached the host")
		}
		time.Sleep(time.Millisecond)
	}
	e.Close()
	cfg := strings.TrimPrefix(ssh, "ssh -F ")
	if left := pgrep(cfg); left != "" {
		t.Fatalf("after Close, an ssh client is still running: %s", left)
	}
	for _, name := range []string{"box1", "box2"} {
		deadline := time.Now().Add(time.Second)
		for left := sshtest.Pgrep(t, ssh, name, "alsh"); left != ""; left = sshtest.Pgrep(t, ssh, name, "alsh") {
			if time.Now().After(deadline) {
				t.Fatalf("1 s after Close, still running on %s: %s", name, left)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
