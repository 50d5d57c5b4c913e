package engine

import (
	"context"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/wire"
)

// fdPassing carries fds along a node call: send goes with the call
// (SCM_RIGHTS), and got takes those of the reply.
type fdPassing struct {
	send []int
	got  []int
}

func (fp *fdPassing) oob() []byte {
	if len(fp.send) == 0 {
		return nil
	}
	return unix.UnixRights(fp.send...)
}

// keep takes the reply's fds (the reader calls it before handing the
// reply over, see deliver); a reply that came too late has its fds closed
// there instead.
func (fp *fdPassing) keep(r *result) {
	fp.got, r.fds = r.fds, nil
}

// sendNowWith is sendNow with control data (nil: none).
func sendNowWith(fd int, b, oob []byte) error {
	if oob == nil {
		return sendNow(fd, b)
	}
	return unix.Sendmsg(fd, b, oob, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
}

// fdPass copies fd from the process at from to the one at to: the
// sender's reply to fd_send carries a copy to the driver, which hands it
// to the receiver with fd_recv and closes its own. The receiver gets it
// close-on-exec unless flags say fd_inheritable; target (-1: where it
// lands) is the number to put it at.
func (e *Engine) fdPass(ctx context.Context, from []int, args []any) (any, error) {
	to := make([]int, 0, len(args[0].([]any)))
	for _, v := range args[0].([]any) {
		to = append(to, int(v.(int64)))
	}
	flags, target := int64(0), int64(-1)
	if len(args) > 2 {
		flags = args[2].(int64)
	}
	if len(args) > 3 {
		target = args[3].(int64)
	}
	deadline := e.deadline(ctx)
	send, _ := builtins.Lookup("fd_send")
	got := &fdPassing{}
	if _, err := e.nodeCallWith(ctx, deadline, from, send, []any{args[1]}, got); err != nil {
		return nil, fmt.Errorf("fd_pass: from %s: %w", formatPipeline(from), err)
	}
	if len(got.got) != 1 {
		closeInts(got.got)
		return nil, fmt.Errorf("fd_pass: %w: the sender's reply carried %d fds, not 1", wire.ErrMalformed, len(got.got))
	}
	defer unix.Close(got.got[0])
	recv, _ := builtins.Lookup("fd_recv")
	v, err := e.nodeCallWith(ctx, deadline, to, recv, []any{flags, target}, &fdPassing{send: got.got})
	if err != nil {
		return nil, fmt.Errorf("fd_pass: to %s: %w", formatPipeline(to), err)
	}
	return v, nil
}
