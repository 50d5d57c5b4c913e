package engine

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Stdin's back-pressure: to a program that reads nothing, Write waits
// once the pipe is full (nothing is queued in the engine), and returns
// with an error, having written only what the pipe held, when the
// program ends.
func TestHandleStdinWaitsForTheProgram(t *testing.T) {
	e, ctx := start(t)
	c, err := e.Root().Fork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Execvp(ctx, "sleep", []string{"sleep", "100"}); err != nil {
		t.Fatal(err)
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := c.Stdin().Write(make([]byte, 64<<20))
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("Write of 64 MiB to a program that reads nothing returned: %d, %v", r.n, r.err)
	case <-time.After(500 * time.Millisecond):
	}
	if err := c.Signal(ctx, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err == nil || r.n >= 16<<20 {
			t.Fatalf("Write after the program died: %d bytes, %v; want an error and only what a pipe holds", r.n, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Write still waits after the program died")
	}
}
