package engine

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/internal/sshtest"
)

// pipeFds counts the pipes this process holds open (/proc/self/fd).
func pipeFds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ent := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + ent.Name()); err == nil && strings.HasPrefix(l, "pipe:") {
			n++
		}
	}
	return n
}

// TestRemoteOutputHasNoStandInPipe: the relay feeds a remote node's
// stdout and stderr to the engine's streams, so the driver holds no pipe
// for them (it held two ends of one each); stdin keeps its stand-in.
func TestRemoteOutputHasNoStandInPipe(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	e, ctx := startRemote(t, ssh, "box1")
	before := pipeFds(t)
	const children = 4
	for range children {
		fork(t, e, ctx, nil)
	}
	// At most: a pipe a test before this one left to close may close meanwhile.
	if added := pipeFds(t) - before; added > 2*children {
		t.Fatalf("%d remote children added %d pipe fds, want at most %d (their stdin's two ends each)", children, added, 2*children)
	}
}

// seqOutput is what seq 1 n prints.
func seqOutput(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(strconv.Itoa(i))
		b.WriteByte('\n')
	}
	return b.String()
}

// TestRemotePausedOutputDrainsAtExit: a paused remote program's output,
// more than a stand-in pipe held by default and less than the relay's
// window (so the hub sends it all while paused), comes whole before its
// exit event, in the order the engine delivers messages (Watch): the
// relay holds it back for the paused stream and hands it over at the
// exit.
func TestRemotePausedOutputDrainsAtExit(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	e, ctx := startRemote(t, ssh, "box1")
	call(t, e, ctx, nil, "setopt", builtins.Const("flowcontrol"), int64(0))
	c := fork(t, e, ctx, nil)
	var mu sync.Mutex
	var got strings.Builder
	exited := make(chan int, 1) // the bytes of stdout before the exit event
	e.Watch(func(m builtins.Message) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case m.Kind == "stdout":
			got.WriteString(m.Data.(string))
		case m.Kind == "event" && leaf(m.Pipeline) == leaf(c):
			exited <- got.Len()
		}
	})
	call(t, e, ctx, c, "execvp", "seq", []any{"seq", "1", "40000"})
	want := seqOutput(40000)
	select {
	case n := <-exited:
		mu.Lock()
		defer mu.Unlock()
		if n != len(want) || got.String() != want {
			t.Fatalf("%d bytes of stdout before the exit event, want %d", n, len(want))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit event")
	}
}

// TestRemotePausedOutputResumes: a remote program paused by flowcontrol
// gives nothing, holds its node to the relay's window (another node
// answers meanwhile), and gives all its output, in order, once resumed.
func TestRemotePausedOutputResumes(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	e, ctx := startRemote(t, ssh, "box1")
	c := fork(t, e, ctx, nil)
	other := fork(t, e, ctx, nil)
	call(t, e, ctx, nil, "setcpid", int64(leaf(c)), builtins.Const("flowcontrol"), int64(0))
	call(t, e, ctx, c, "execvp", "seq", []any{"seq", "1", "300000"}) // 2 MB
	if out := call(t, e, ctx, c, "stdout", int64(300)).(string); out != "" {
		t.Fatalf("paused stdout gave %d bytes", len(out))
	}
	t0 := time.Now()
	call(t, e, ctx, other, "getpid")
	if took := time.Since(t0); took > time.Second {
		t.Fatalf("a call to another node took %v while the output was paused", took)
	}
	call(t, e, ctx, nil, "setcpid", int64(leaf(c)), builtins.Const("flowcontrol"), int64(-1))
	want := seqOutput(300000)
	var got strings.Builder
	for got.Len() < len(want) {
		out := call(t, e, ctx, c, "stdout", int64(5000)).(string)
		if out == "" {
			t.Fatalf("stdout stopped after %d bytes of %d", got.Len(), len(want))
		}
		got.WriteString(out)
	}
	if got.String() != want {
		t.Fatalf("%d bytes came, %d due, not the same", got.Len(), len(want))
	}
}
