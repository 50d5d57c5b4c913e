package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

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
		b, err := EncodeValue(nil, v)
		if err != nil {
			t.Fatalf("encode %#v: %v", v, err)
		}
		got, err := DecodeValue(b)
		if err != nil {
			t.Fatalf("decode %#v: %v", v, err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Fatalf("round trip of %#v gave %#v", v, got)
		}
	}
}

func TestDecodeRejectsMalformed(t *testing.T) {
	deep := bytes.Repeat([]byte{TagList, 1, 0, 0, 0}, MaxDepth+2)
	cases := map[string][]byte{
		"empty":           {},
		"unknown tag":     {'z'},
		"short int":       {TagInt, 1, 2},
		"string too long": {TagString, 0xff, 0xff, 0xff, 0x7f, 'a'},
		"list too long":   {TagList, 0xff, 0xff, 0xff, 0xff},
		"record no key":   {TagRecord, 1, 0, 0, 0},
		"trailing bytes":  {TagNil, TagNil},
		"too deep":        deep,
	}
	for name, b := range cases {
		if _, err := DecodeValue(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want malformed", name, err)
		}
	}
	if _, _, _, err := ParseHeader([]byte{1, 2, 3}); !errors.Is(err, ErrMalformed) {
		t.Errorf("short header: %v", err)
	}
	if _, _, err := DecodeCall([]byte{0}); !errors.Is(err, ErrMalformed) {
		t.Errorf("short call: %v", err)
	}
	if _, _, err := DecodeCall(append([]byte{0, 0}, TagInt, 0, 0, 0, 0, 0, 0, 0, 0)); !errors.Is(err, ErrMalformed) {
		t.Errorf("call args not a list: %v", err)
	}
}

// FuzzDecode: no input panics or hangs the decoder, and what decodes
// encodes back to something that decodes the same.
func FuzzDecode(f *testing.F) {
	for _, v := range []any{nil, int64(7), "s", []any{int64(1), "x"}, builtins.Record{"cur": int64(1)}} {
		b, _ := EncodeValue(nil, v)
		f.Add(b)
	}
	f.Add([]byte{TagList, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeValue(b)
		if err != nil {
			return
		}
		again, err := EncodeValue(nil, v)
		if err != nil {
			t.Fatalf("decoded %#v does not encode: %v", v, err)
		}
		w, err := DecodeValue(again)
		if err != nil || !reflect.DeepEqual(v, w) {
			t.Fatalf("re-decode of %#v gave %#v, %v", v, w, err)
		}
		DecodeCall(b)
		DecodeError(b)
	})
}

// FuzzRoundTrip: a value built from the fuzzer's ints and strings, and a
// call carrying it, encode and decode back to themselves.
func FuzzRoundTrip(f *testing.F) {
	f.Add(int64(0), "", "", uint32(0), uint16(0))
	f.Add(int64(-1), "cur", "clone_newpid", uint32(7), uint16(42))
	f.Add(int64(1<<62), "a\x00b", "\xff", ^uint32(0), ^uint16(0))
	f.Fuzz(func(t *testing.T, i int64, s, k string, id uint32, nr uint16) {
		v := []any{nil, i, s, builtins.Const(k), []any{}, []any{i, []any{s}},
			builtins.Record{k: i, k + "x": []any{s, nil}}}
		b, err := EncodeValue(nil, v)
		if err != nil {
			t.Fatalf("encode %#v: %v", v, err)
		}
		got, err := DecodeValue(b)
		if err != nil || !reflect.DeepEqual(got, v) {
			t.Fatalf("round trip of %#v gave %#v, %v", v, got, err)
		}
		m, err := EncodeCall(nil, id, int(nr), v)
		if err != nil {
			t.Fatalf("encode call: %v", err)
		}
		typ, gotID, body, err := ParseHeader(m)
		if err != nil || typ != MsgCall || gotID != id {
			t.Fatalf("call header: type %d id %d, %v", typ, gotID, err)
		}
		gotNr, args, err := DecodeCall(body)
		if err != nil || gotNr != int(nr) || !reflect.DeepEqual(args, v) {
			t.Fatalf("call %d %#v came back as %d %#v, %v", nr, v, gotNr, args, err)
		}
	})
}

// AppendStringRecord encodes {key: value} as EncodeValue does.
func TestAppendStringRecordIsEncodeValues(t *testing.T) {
	for _, kv := range [][2]string{{"signal", "sigterm"}, {"termsig", "sigkill"}, {"", ""}, {"k", "é\x00"}} {
		want, err := EncodeValue([]byte("x"), builtins.Record{kv[0]: kv[1]})
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendStringRecord([]byte("x"), kv[0], kv[1]); !bytes.Equal(got, want) {
			t.Errorf("{%q: %q}: % x, want % x", kv[0], kv[1], got, want)
		}
	}
}
