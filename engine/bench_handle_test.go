package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// BenchmarkHandleVsPipeline compares the handle API with the pipeline API
// on one engine, alternating rounds of each so that the machine's drift
// falls on both: a call round trip (getpid on a booted child) and fork +
// execvp /bin/true + the exit. It reports each side's µs/op and their
// ratio (handle/pipeline; the goal is at most 1.05).
func BenchmarkHandleVsPipeline(b *testing.B) {
	b.Run("round-trip", func(b *testing.B) {
		e, ctx := start(b)
		h, err := e.Root().Fork(ctx)
		if err != nil {
			b.Fatal(err)
		}
		h.Getcwd(ctx) // a booted node, not a proto-node
		pl := h.Pipeline()
		alternate(b,
			func() error { _, err := e.Call(ctx, pl, "getpid", nil); return err },
			func() error { _, err := h.Getpid(ctx); return err })
	})
	b.Run("fork-exec-exit", func(b *testing.B) {
		e, ctx := start(b)
		root := e.Root()
		alternate(b,
			func() error {
				c := fork(b, e, ctx, nil)
				call(b, e, ctx, c, "execvp", "/bin/true", []any{"true"})
				if ev := event(b, e, ctx, c); builtins.Format(ev) != "{exit_status: 0}" {
					return fmt.Errorf("event %s", builtins.Format(ev))
				}
				return nil
			},
			func() error {
				c, err := root.Fork(ctx)
				if err != nil {
					return err
				}
				if err := c.Execvp(ctx, "/bin/true", []string{"true"}); err != nil {
					return err
				}
				st, err := c.Wait(ctx)
				if err == nil && !st.Success() {
					err = fmt.Errorf("exit %v", st)
				}
				return err
			})
	})
}

// alternate runs b.N operations of each of two kinds in rounds of 50,
// pipeline first then handle, and reports both means and their ratio.
func alternate(b *testing.B, pipeline, handle func() error) {
	var tp, th time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(50, b.N-done)
		for k, f := range []func() error{pipeline, handle} {
			t0 := time.Now()
			for i := 0; i < n; i++ {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
			if k == 0 {
				tp += time.Since(t0)
			} else {
				th += time.Since(t0)
			}
		}
		done += n
	}
	b.ReportMetric(float64(tp.Microseconds())/float64(b.N), "pipeline-µs/op")
	b.ReportMetric(float64(th.Microseconds())/float64(b.N), "handle-µs/op")
	b.ReportMetric(float64(th)/float64(tp), "handle/pipeline")
}

// BenchmarkHandleStream compares two ways through cat on one engine,
// alternating rounds of 16 MiB so that the machine's drift falls on both:
// io.Copy into Stdin and out of Stdout of a sandboxed cat (new pid,
// mount, uts, ipc and network namespaces, RLIMIT_NOFILE 64, uid and gid
// 65534), and stdin and stdout calls to a plain one (BenchmarkStream's
// way), every byte checked on both. It reports each one's MB/s and their
// ratio (io-copy/stdout-call; the goal is at least 1).
func BenchmarkHandleStream(b *testing.B) {
	testutil.RequirePrivileged(b)
	e, ctx := start(b)
	pl := fork(b, e, ctx, nil)
	call(b, e, ctx, pl, "execvp", "/bin/cat", []any{"cat"})
	c := sandboxedCat(b, ctx, e.Root())
	const round = 16 << 20
	chunk := string(patternBlock[:1<<20])
	var tCall, tCopy time.Duration
	chk, callChk := &patternChecker{}, &patternChecker{}
	b.SetBytes(2 * round)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		got := 0
		take := func() { // every byte checked, as io.Copy's are
			out := call(b, e, ctx, pl, "stdout", int64(5000)).(string)
			if out == "" {
				b.Fatalf("stdout-call stream stalled at byte %d", got)
			}
			callChk.Write(unsafe.Slice(unsafe.StringData(out), len(out)))
			got += len(out)
		}
		for sent := 0; sent < round; sent += len(chunk) {
			call(b, e, ctx, pl, "stdin", chunk)
			for got < sent-8<<20 {
				take()
			}
		}
		for got < round {
			take()
		}
		t1 := time.Now()
		go io.Copy(c.Stdin(), &patternReader{n: round})
		if n, err := io.CopyN(chk, c.Stdout(), round); err != nil || n != round {
			b.Fatalf("io.Copy: %d bytes, %v", n, err)
		}
		t2 := time.Now()
		tCall += t1.Sub(t0)
		tCopy += t2.Sub(t1)
	}
	if chk.bad >= 0 || callChk.bad >= 0 {
		b.Fatalf("byte %d (io.Copy) or %d (stdout calls) wrong", chk.bad, callChk.bad)
	}
	mb := float64(b.N) * round / 1e6
	b.ReportMetric(mb/tCall.Seconds(), "stdout-call-MB/s")
	b.ReportMetric(mb/tCopy.Seconds(), "io-copy-MB/s")
	b.ReportMetric(tCall.Seconds()/tCopy.Seconds(), "io-copy/stdout-call")
}

func sandboxedCat(b testing.TB, ctx context.Context, root *Process) *Process {
	c, err := root.Clone(ctx, CloneNewPID|CloneNewNS|CloneNewUTS|CloneNewIPC|CloneNewNet)
	if err != nil {
		b.Fatal(err)
	}
	steps := []error{
		c.Setrlimit(ctx, unix.RLIMIT_NOFILE, Rlimit{Cur: 64, Max: 64}),
		c.Setgid(ctx, 65534),
		c.Setuid(ctx, 65534),
		c.Execvp(ctx, "cat", []string{"cat"}),
	}
	for _, err := range steps {
		if err != nil {
			b.Fatal(err)
		}
	}
	return c
}

const benchPattern = "0123456789abcdef"

// patternBlock is 1 MiB of the pattern and 16 bytes more, so that any
// offset in the pattern starts a 1 MiB slice of it.
var patternBlock = []byte(strings.Repeat(benchPattern, 1<<16+1))

// patternReader reads the 16-byte pattern, n bytes in all.
type patternReader struct{ n int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(int64(len(p)), r.n)], patternBlock[:1<<20])
	r.n -= int64(n)
	return n, nil
}

// WriteTo writes the pattern in 1 MiB writes (io.Copy uses it).
func (r *patternReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for r.n > 0 {
		n, err := w.Write(patternBlock[:min(r.n, 1<<20)])
		total += int64(n)
		r.n -= int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// patternChecker checks that what it is written continues the pattern,
// every byte; bad is the offset of the first wrong one, or -1.
type patternChecker struct {
	n   int64
	bad int64
}

func (c *patternChecker) Write(p []byte) (int, error) {
	if c.n == 0 {
		c.bad = -1
	}
	for off := 0; off < len(p); off += 1 << 20 {
		part := p[off:min(len(p), off+1<<20)]
		at := (c.n + int64(off)) % 16
		if !bytes.Equal(part, patternBlock[at:at+int64(len(part))]) && c.bad < 0 {
			c.bad = c.n + int64(off)
		}
	}
	c.n += int64(len(p))
	return len(p), nil
}
