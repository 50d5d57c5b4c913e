package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
)

// A plain loop of stdin calls sends any amount to a program that reads
// slowly: each call waits for room in the bounded queue, and nothing is
// lost (sha256sum's digest matches). ALSH_STDIN_MIB sets the amount
// (default 256; 1024 sends 1 GiB).
func TestStdinLoopWaitsForRoom(t *testing.T) {
	mib := 256
	if s := os.Getenv("ALSH_STDIN_MIB"); s != "" {
		mib = atoiOr(s, mib)
	}
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	// a slow start: the queue fills to its bound before anything is read
	call(t, e, ctx, c, "execvp", "/bin/sh", []any{"sh", "-c", "sleep 1; exec sha256sum"})
	chunk := make([]byte, 1<<20)
	h := sha256.New()
	p := e.proc(t, c)
	most := 0
	for i := 0; i < mib; i++ {
		for j := range chunk {
			chunk[j] = byte(i*7 + j)
		}
		h.Write(chunk)
		call(t, e, ctx, c, "stdin", string(chunk))
		p.stdin.mu.Lock()
		most = max(most, p.stdin.pending)
		p.stdin.mu.Unlock()
	}
	call(t, e, ctx, c, "eof", builtins.Const("stdin"))
	if most > maxStdinQueue+len(chunk) {
		t.Errorf("the queue held %d bytes, past its bound %d", most, maxStdinQueue)
	}
	var out strings.Builder
	for deadline := time.Now().Add(testTimeout); !strings.Contains(out.String(), "\n"); {
		if time.Now().After(deadline) {
			t.Fatalf("sha256sum printed %q", out.String())
		}
		out.WriteString(call(t, e, ctx, c, "stdout", int64(1000)).(string))
	}
	want := hex.EncodeToString(h.Sum(nil)) + "  -\n"
	if out.String() != want {
		t.Fatalf("sha256sum of %d MiB sent by stdin calls: %q, want %q", mib, out.String(), want)
	}
}

func atoiOr(s string, def int) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return def
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// A stdin call waiting for room ends when its context does (Ctrl-C at the
// REPL cancels the entry's), having queued nothing.
func TestStdinWaitEndsWithContext(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "execvp", "/bin/sleep", []any{"sleep", "1000"})
	chunk := strings.Repeat("x", 1<<20)
	p := e.proc(t, c)
	for i := 0; i < maxStdinQueue>>20; i++ {
		call(t, e, ctx, c, "stdin", chunk)
	}
	p.stdin.mu.Lock()
	before := p.stdin.pending
	p.stdin.mu.Unlock()
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(100*time.Millisecond, cancel)
	began := time.Now()
	if _, err := e.Call(cctx, c, "stdin", []any{chunk + chunk}); !errors.Is(err, context.Canceled) {
		t.Fatalf("stdin past the bound, cancelled: %v, want context.Canceled", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("the cancelled stdin returned after %v", d)
	}
	p.stdin.mu.Lock()
	after := p.stdin.pending
	p.stdin.mu.Unlock()
	if after > before {
		t.Fatalf("the cancelled stdin queued bytes: %d -> %d", before, after)
	}
}
