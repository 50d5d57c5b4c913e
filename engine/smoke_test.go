package engine

import (
	"context"
	"testing"
	"time"
)

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	e, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pid, err := e.Call(ctx, nil, "getpid", nil)
	t.Log(pid, err)
	c, err := e.Call(ctx, nil, "fork", nil)
	t.Log(c, err)
	if err != nil {
		t.Fatal(err)
	}
	cp := int(c.(int64))
	got, err := e.Call(ctx, []int{cp}, "getpid", nil)
	t.Log(got, err)
	_, err = e.Call(ctx, []int{cp}, "execvp", []any{"/bin/cat", []any{"cat"}})
	t.Log("exec", err)
	_, err = e.Call(ctx, []int{cp}, "stdin", []any{"hello\n"})
	t.Log("stdin", err)
	out, err := e.Call(ctx, []int{cp}, "stdout", []any{int64(2000)})
	t.Logf("stdout %q %v", out, err)
	_, err = e.Call(ctx, []int{cp}, "eof", nil)
	ev, err := e.Call(ctx, []int{cp}, "event", []any{int64(2000)})
	t.Log("event", ev, err)
	start := time.Now()
	e.Close()
	t.Log("close", time.Since(start))
}
