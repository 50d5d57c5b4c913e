package engine

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
)

func TestValueRoundTrip(t *testing.T) {
	values := []any{
		nil, int64(0), int64(-1), int64(1 << 62), "", "bytes\x00\xff",
		builtins.Const("clone_newpid"),
		[]any{}, []any{int64(1), "two", []any{builtins.Record{"cur": int64(0), "max": int64(-1)}}},
		builtins.Record{}, builtins.Record{"a": nil, "b": []any{"x"}},
	}
	for _, v := range values {
		b, err := encodeValue(nil, v)
		if err != nil {
			t.Fatalf("encode %#v: %v", v, err)
		}
		got, err := decodeValue(b)
		if err != nil {
			t.Fatalf("decode %#v: %v", v, err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Fatalf("round trip of %#v gave %#v", v, got)
		}
	}
}

func TestDecodeRejectsMalformed(t *testing.T) {
	deep := bytes.Repeat([]byte{tagList, 1, 0, 0, 0}, maxDepth+2)
	cases := map[string][]byte{
		"empty":           {},
		"unknown tag":     {'z'},
		"short int":       {tagInt, 1, 2},
		"string too long": {tagString, 0xff, 0xff, 0xff, 0x7f, 'a'},
		"list too long":   {tagList, 0xff, 0xff, 0xff, 0xff},
		"record no key":   {tagRecord, 1, 0, 0, 0},
		"trailing bytes":  {tagNil, tagNil},
		"too deep":        deep,
	}
	for name, b := range cases {
		if _, err := decodeValue(b); !errors.Is(err, errMalformed) {
			t.Errorf("%s: err = %v, want malformed", name, err)
		}
	}
	if _, _, _, err := parseHeader([]byte{1, 2, 3}); !errors.Is(err, errMalformed) {
		t.Errorf("short header: %v", err)
	}
	if _, _, err := decodeCall([]byte{0}); !errors.Is(err, errMalformed) {
		t.Errorf("short call: %v", err)
	}
	if _, _, err := decodeCall(append([]byte{0, 0}, tagInt, 0, 0, 0, 0, 0, 0, 0, 0)); !errors.Is(err, errMalformed) {
		t.Errorf("call args not a list: %v", err)
	}
}

// FuzzDecode: no input panics or hangs the decoder, and what decodes
// encodes back to something that decodes the same.
func FuzzDecode(f *testing.F) {
	for _, v := range []any{nil, int64(7), "s", []any{int64(1), "x"}, builtins.Record{"cur": int64(1)}} {
		b, _ := encodeValue(nil, v)
		f.Add(b)
	}
	f.Add([]byte{tagList, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeValue(b)
		if err != nil {
			return
		}
		again, err := encodeValue(nil, v)
		if err != nil {
			t.Fatalf("decoded %#v does not encode: %v", v, err)
		}
		w, err := decodeValue(again)
		if err != nil || !reflect.DeepEqual(v, w) {
			t.Fatalf("re-decode of %#v gave %#v, %v", v, w, err)
		}
		decodeCall(b)
		decodeError(b)
	})
}

// Malformed control messages sent to a real node get an error reply (or
// are ignored) and never crash or hang it.
func TestNodeSurvivesMalformedMessages(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	p := e.proc(t, c)
	unknownNr, _ := encodeCall(nil, 901, 60000, nil)
	wrongArity, _ := encodeCall(nil, 902, mustNumber(t, "setuid"), []any{int64(1), int64(2)})
	wrongType, _ := encodeCall(nil, 903, mustNumber(t, "chdir"), []any{int64(1)})
	msgs := map[uint32][]byte{
		0:   {1, 2},
		900: putHeader(nil, msgCall, 900), // no call number
		901: unknownNr,
		902: wrongArity,
		903: wrongType,
		904: append(putHeader(nil, 77, 904), 1, 2, 3), // unknown type
		905: append(putHeader(nil, msgCall, 905), 0, 0, 'z'),
		906: append(putHeader(nil, msgCall, 906), bytes.Repeat([]byte{tagList, 1, 0, 0, 0}, 100)...),
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
