package engine

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// eof closes the driver's end of a stream once: a second eof, and any
// stdio call on the closed stream, fail with ebadf, as alcove's do.
func TestStdioOnClosedStreamIsEbadf(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	for _, stream := range []string{"stdin", "stdout", "stderr"} {
		call(t, e, ctx, c, "eof", builtins.Const(stream))
		if _, err := e.Call(ctx, c, "eof", []any{builtins.Const(stream)}); !isErrno(err, unix.EBADF) {
			t.Errorf("second eof %s: %v, want ebadf", stream, err)
		}
	}
	if _, err := e.Call(ctx, c, "stdin", []any{"x"}); !isErrno(err, unix.EBADF) {
		t.Errorf("stdin after eof: %v, want ebadf", err)
	}
	for _, stream := range []string{"stdout", "stderr"} {
		if _, err := e.Call(ctx, c, stream, []any{int64(0)}); !isErrno(err, unix.EBADF) {
			t.Errorf("%s after eof: %v, want ebadf", stream, err)
		}
	}
	// another process's streams stay open
	d := fork(t, e, ctx, nil)
	call(t, e, ctx, d, "stdout", int64(0))
}
