package lang_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang"
)

// TestNormalizeKeepsNormalValues: a list or record already in the
// language's types comes back as it is (no copy: alsh box passes a plan of
// hundreds of values back to the interpreter), while one holding a Go
// type is converted all through, the caller's value left alone.
func TestNormalizeKeepsNormalValues(t *testing.T) {
	plain := []any{int64(1), "a", builtins.Record{"x": []any{builtins.Const("eexist")}}}
	if got := lang.Normalize(plain).([]any); &got[0] != &plain[0] {
		t.Errorf("a normal list was copied")
	}
	rec := builtins.Record{"calls": plain, "signal": builtins.Const("sigterm")}
	if got := lang.Normalize(rec).(builtins.Record); reflect.ValueOf(got).Pointer() != reflect.ValueOf(rec).Pointer() {
		t.Errorf("a normal record was copied")
	}

	deep := []any{"a", []any{builtins.Record{"n": 3, "signal": "sigkill"}}, []int{4}}
	want := []any{"a", []any{builtins.Record{"n": int64(3), "signal": builtins.Const("sigkill")}}, []any{int64(4)}}
	if got := lang.Normalize(deep); !reflect.DeepEqual(got, want) {
		t.Errorf("normalize(%#v) = %#v, want %#v", deep, got, want)
	}
	if n := deep[1].([]any)[0].(builtins.Record)["n"]; n != 3 {
		t.Errorf("the caller's record was changed: n is %#v", n)
	}

	goMap := map[string]any{"a": int64(1)}
	got := lang.Normalize(goMap).(builtins.Record)
	got["b"] = int64(2)
	if _, ok := goMap["b"]; ok {
		t.Errorf("a Go map[string]any was shared, not copied")
	}
}

// TestCallTakesBackWhatItReturned: a list or record Call returned goes to
// a later Call as it is (alsh box passes sandbox.plans' plan back), and
// a Go value given to Call is still normalized, even after Call returned
// values (and forgot the oldest, past its bound).
func TestCallTakesBackWhatItReturned(t *testing.T) {
	in := lang.New(nil, lang.Options{})
	ctx := context.Background()
	var made any
	for i := range 20 {
		v, err := in.Call(ctx, "split", fmt.Sprintf("a b %d", i))
		if err != nil {
			t.Fatal(err)
		}
		made = v
	}
	if got := lang.TakeBack(in, made).([]any); &got[0] != &made.([]any)[0] {
		t.Errorf("the list Call returned was copied")
	}
	got, err := in.Call(ctx, "join", made, "-")
	if err != nil || got != "a-b-19" {
		t.Errorf("join of the list Call returned = %v, %v", got, err)
	}
	rec, err := in.Call(ctx, "from_json", `{"a": [1, 2]}`)
	if err != nil {
		t.Fatal(err)
	}
	if has, err := in.Call(ctx, "has", rec, "a"); err != nil || has != true {
		t.Errorf("has of the record Call returned = %v, %v", has, err)
	}
	if n, err := in.Call(ctx, "len", []any{[]int{1, 2}, 3}); err != nil || n != int64(2) {
		t.Errorf("len of a Go list = %#v, %v", n, err)
	}
	if got := lang.TakeBack(in, []any{[]int{1}}); !reflect.DeepEqual(got, []any{[]any{int64(1)}}) {
		t.Errorf("a Go list taken back as %#v, not normalized", got)
	}
}
