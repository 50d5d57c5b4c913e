package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alsh/alsh/engine/internal/relay"
	"github.com/alsh/alsh/internal/sshtest"
)

// TestRemoteFloodDoesNotDelayOtherNodes floods one remote node's stdout
// (taken as fast as the driver can) while another remote node answers
// calls: the relay's per-channel credit keeps the flood's bytes in flight
// to a window, so a reply waits behind at most that much.
func TestRemoteFloodDoesNotDelayOtherNodes(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	e, ctx := startRemote(t, ssh, "box1")
	flood := fork(t, e, ctx, nil)
	quiet := fork(t, e, ctx, nil)
	call(t, e, ctx, quiet, "getpid")
	call(t, e, ctx, flood, "execvp", "/bin/sh", []any{"sh", "-c", "exec cat /dev/zero"})
	var got atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			out, err := e.Call(ctx, flood, "stdout", []any{int64(50)})
			if err != nil {
				return
			}
			got.Add(int64(len(out.(string))))
		}
	}()
	for got.Load() < 8*relay.Window { // the flood is under way
		time.Sleep(time.Millisecond)
	}
	before := got.Load()
	var took []time.Duration
	for range 300 {
		t0 := time.Now()
		call(t, e, ctx, quiet, "getpid")
		took = append(took, time.Since(t0))
	}
	flowed := got.Load() - before
	close(stop)
	<-done
	slices.Sort(took)
	median, worst := took[len(took)/2], took[len(took)-1]
	t.Logf("during %d MB of flood: call median %v, p90 %v, worst %v", flowed>>20, median, took[len(took)*9/10], worst)
	if flowed < 4*relay.Window {
		t.Fatalf("the flood carried only %d bytes while the calls ran", flowed)
	}
	// Without the credit, the hub queued the flood unbounded ahead of
	// replies: seconds. A window is under a millisecond of the flood.
	if median > 20*time.Millisecond || worst > 500*time.Millisecond {
		t.Fatalf("calls to a quiet node behind a flooding one: median %v, worst %v", median, worst)
	}
}

// TestRemoteHostThatLiesIsAnErrorForItOnly: a "host" that says hello and
// then sends a frame of no known type fails to start with the protocol
// error, naming the host, and the other host goes on.
func TestRemoteHostThatLiesIsAnErrorForItOnly(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	good, ctx := startRemote(t, ssh, "box1")
	liar := `printf 'ALSH-HUB 1\n\377\0\0\0\0\0\0\0\0'; sleep 10; :`
	_, err := Start(ctx, Options{Host: "liar", SSHCommand: liar})
	if err == nil || !strings.Contains(err.Error(), "host liar") || !strings.Contains(err.Error(), "unknown frame type 255") {
		t.Fatalf("a host sending garbage: %v, want a protocol error naming it", err)
	}
	if h := call(t, good, ctx, nil, "gethostname"); h != "box1" {
		t.Fatalf("the good host after the liar: %v", h)
	}
	flood := `printf 'ALSH-HUB 1\n'; exec cat /dev/zero; :`
	t0 := time.Now()
	if _, err := Start(ctx, Options{Host: "zeros", SSHCommand: flood}); err == nil || time.Since(t0) > 5*time.Second {
		t.Fatalf("a host sending zeros: %v after %v, want an error at once", err, time.Since(t0))
	}
}

// TestRemoteBulkOutputArrivesIntact: megabytes of a remote program's
// output, which the hub splices into the stream once its pipe widened,
// arrive whole and in order, and before the program's exit event.
func TestRemoteBulkOutputArrivesIntact(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	e, ctx := startRemote(t, ssh, "box1")
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "execvp", "seq", []any{"seq", "1", "700000"})
	var want strings.Builder
	for i := 1; i <= 700000; i++ {
		want.WriteString(strconv.Itoa(i))
		want.WriteByte('\n')
	}
	var got strings.Builder
	for got.Len() < want.Len() {
		out, err := e.Call(ctx, c, "stdout", []any{int64(5000)})
		if err != nil || len(out.(string)) == 0 {
			t.Fatalf("stdout after %d bytes of %d: %q, %v", got.Len(), want.Len(), out, err)
		}
		got.WriteString(out.(string))
	}
	if got.String() != want.String() {
		g, w := got.String(), want.String()
		i := 0
		for i < min(len(g), len(w)) && g[i] == w[i] {
			i++
		}
		t.Fatalf("%d bytes came, %d due; they differ from byte %d: %q", len(g), len(w), i, g[i:min(len(g), i+20)])
	}
	if ev, err := e.Call(ctx, c, "event", []any{int64(5000)}); err != nil || !strings.Contains(fmt.Sprint(ev), "exit") {
		t.Fatalf("after the output: %v, %v, want the exit event", ev, err)
	}
}
