package engine

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/wire"
)

// Malformed control messages sent to a real node get an error reply (or
// are ignored) and never crash or hang it.
func TestNodeSurvivesMalformedMessages(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	p := e.proc(t, c)
	unknownNr, _ := wire.EncodeCall(nil, 901, 60000, nil)
	wrongArity, _ := wire.EncodeCall(nil, 902, mustNumber(t, "setuid"), []any{int64(1), int64(2)})
	wrongType, _ := wire.EncodeCall(nil, 903, mustNumber(t, "chdir"), []any{int64(1)})
	msgs := map[uint32][]byte{
		0:   {1, 2},
		900: wire.PutHeader(nil, wire.MsgCall, 900), // no call number
		901: unknownNr,
		902: wrongArity,
		903: wrongType,
		904: append(wire.PutHeader(nil, 77, 904), 1, 2, 3), // unknown type
		905: append(wire.PutHeader(nil, wire.MsgCall, 905), 0, 0, 'z'),
		906: append(wire.PutHeader(nil, wire.MsgCall, 906), bytes.Repeat([]byte{wire.TagList, 1, 0, 0, 0}, 100)...),
	}
	for id, m := range msgs {
		if id == 0 { // too short for an id: the reply cannot be matched
			if err := p.ctl.send(m); err != nil {
				t.Fatalf("send %d: %v", id, err)
			}
			continue
		}
		r := p.ctl.call(ctx, time.Now().Add(testTimeout), id, m, false, nil)
		if errors.Is(r.err, context.DeadlineExceeded) {
			t.Fatalf("message %d: no reply", id)
		}
		if r.err == nil {
			t.Errorf("message %d: no error reply (got %v)", id, r.val)
		}
	}
	if got := call(t, e, ctx, c, "getpid").(int64); int(got) != leaf(c) {
		t.Fatalf("getpid after malformed messages = %d", got)
	}
}

func mustNumber(t *testing.T, name string) int {
	c, ok := builtins.Lookup(name)
	if !ok {
		t.Fatalf("no call %s", name)
	}
	return c.Number()
}
