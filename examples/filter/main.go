// Command filter pipes bytes through cat running in a sandbox (new pid,
// mount, uts, ipc and network namespaces, uid and gid 65534, at most 16
// open files) with io.Copy, and checks that every byte came back, in
// order:
//
//	filter [-size BYTES]
//
// It writes a pattern into the program's stdin from one goroutine while
// io.Copy takes its stdout into a checker; the engine's streams hold
// only a few MiB ahead, so the program waits while the reader is slow.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine"
)

func main() {
	size := flag.Int64("size", 1<<30, "how many bytes to send through cat")
	flag.Parse()
	if err := filter(context.Background(), *size); err != nil {
		fmt.Fprintln(os.Stderr, "filter:", err)
		os.Exit(1)
	}
}

func filter(ctx context.Context, size int64) error {
	e, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		return err
	}
	defer e.Close()
	cat, err := sandboxedCat(ctx, e.Root())
	if err != nil {
		return err
	}
	t0 := time.Now()
	sent := make(chan error, 1)
	go func() {
		_, err := io.Copy(cat.Stdin(), &pattern{left: size})
		if cerr := cat.Stdin().Close(); err == nil {
			err = cerr
		}
		sent <- err
	}()
	chk := &checker{}
	if _, err := io.Copy(chk, cat.Stdout()); err != nil {
		return err
	}
	if err := <-sent; err != nil {
		return fmt.Errorf("writing: %w", err)
	}
	st, err := cat.Wait(ctx)
	if err != nil {
		return err
	}
	elapsed := time.Since(t0)
	switch {
	case chk.bad >= 0:
		return fmt.Errorf("byte %d is wrong", chk.bad)
	case chk.n != size:
		return fmt.Errorf("got %d bytes back, sent %d", chk.n, size)
	case !st.Success():
		return fmt.Errorf("cat: %v", st)
	}
	fmt.Printf("%d bytes through a sandboxed cat, every one checked; cat: %v\n", size, st)
	fmt.Fprintf(os.Stderr, "%.0f MB/s\n", float64(size)/elapsed.Seconds()/1e6)
	return nil
}

func sandboxedCat(ctx context.Context, root *engine.Process) (*engine.Process, error) {
	c, err := root.Clone(ctx, engine.CloneNewPID|engine.CloneNewNS|engine.CloneNewUTS|engine.CloneNewIPC|engine.CloneNewNet)
	if err != nil {
		return nil, err
	}
	for _, step := range []func() error{
		func() error { return c.Setrlimit(ctx, unix.RLIMIT_NOFILE, engine.Rlimit{Cur: 16, Max: 16}) },
		func() error { return c.Setgroups(ctx, []int{}) },
		func() error { return c.Setgid(ctx, 65534) },
		func() error { return c.Setuid(ctx, 65534) },
		func() error { return c.Execvp(ctx, "cat", []string{"cat"}) },
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// The pattern: the byte at offset i is i%251 (a prime, so that a chunk
// lost or repeated at any power-of-two size shows).
const period = 251

// block is 1 MiB of the pattern and a period more: a 1 MiB slice of it
// starts at any offset of the pattern.
var block = func() []byte {
	b := make([]byte, 1<<20+period)
	for i := range b {
		b[i] = byte(i % period)
	}
	return b
}()

// pattern reads left bytes of the pattern.
type pattern struct{ off, left int64 }

func (p *pattern) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	n := copy(b[:min(int64(len(b)), p.left)], block[p.off%period:][:1<<20])
	p.off += int64(n)
	p.left -= int64(n)
	return n, nil
}

// WriteTo hands the writer 1 MiB at a time (io.Copy uses it).
func (p *pattern) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for p.left > 0 {
		n, err := w.Write(block[p.off%period:][:min(p.left, 1<<20)])
		p.off += int64(n)
		p.left -= int64(n)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// checker compares what it is written with the pattern; bad is the
// offset of the first wrong byte, -1 while none is.
type checker struct {
	n, bad int64
}

func (c *checker) Write(b []byte) (int, error) {
	if c.n == 0 {
		c.bad = -1
	}
	for off := 0; off < len(b); off += 1 << 20 {
		part := b[off:min(len(b), off+1<<20)]
		at := (c.n + int64(off)) % period
		if c.bad < 0 && !bytes.Equal(part, block[at:at+int64(len(part))]) {
			for i := range part {
				if part[i] != block[at+int64(i)] {
					c.bad = c.n + int64(off+i)
					break
				}
			}
		}
	}
	c.n += int64(len(b))
	return len(b), nil
}
