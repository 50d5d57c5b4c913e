package lang_test

import (
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
