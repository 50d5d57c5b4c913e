package engine

import (
	"testing"
	"time"
)

// TestStdoutFarTimeoutKeepsItsEnd: a stdout call whose timeout is a
// second or more away waits on the shared clock (farWait), not a timer
// of its own until its last second: with nothing written it still
// returns empty at its end, not before it and not ticks after it, and
// output that comes meanwhile ends the wait at once.
func TestStdoutFarTimeoutKeepsItsEnd(t *testing.T) {
	e, ctx := start(t)
	quiet := fork(t, e, ctx, nil)
	t0 := time.Now()
	out := call(t, e, ctx, quiet, "stdout", int64(1200))
	if took := time.Since(t0); out != "" || took < 1200*time.Millisecond || took > 1500*time.Millisecond {
		t.Fatalf("stdout of a quiet node with 1200 ms: %q after %v, want \"\" after 1.2 s", out, took)
	}
	talker := fork(t, e, ctx, nil)
	call(t, e, ctx, talker, "execvp", "/bin/sh", []any{"sh", "-c", "sleep 0.3; echo hi"})
	t0 = time.Now()
	out = call(t, e, ctx, talker, "stdout", int64(5000))
	if took := time.Since(t0); out != "hi\n" || took > 2*time.Second {
		t.Fatalf("stdout of a node that writes after 0.3 s, 5000 ms: %q after %v, want \"hi\\n\" at once", out, took)
	}
}
