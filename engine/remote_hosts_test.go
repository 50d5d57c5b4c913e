package engine

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/internal/sshtest"
)

// TestConnectHostRoutesPipelinesAndNamesTheHost drives a remote root
// through a local engine, as the language's host does: [-id …] goes to
// the host, ps names it, and its loss comes to the watcher once, with
// the host's name, while the local root goes on.
func TestConnectHostRoutesPipelinesAndNamesTheHost(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	e, ctx := start(t)
	if _, err := e.ConnectHost(ctx, "box1", builtins.Record{"bogus": "x"}); err == nil {
		t.Fatal("an unknown option was accepted")
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
	e.mu.Lock()
	sub := e.hosts.byID[id]
	e.mu.Unlock()
	sub.killSSH()
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
