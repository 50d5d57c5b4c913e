package builtins

import (
	"slices"
	"testing"
)

// alcove test 39: {deny, L} is L, and {allow, L} denies the complement.
func TestFilterSet(t *testing.T) {
	deny, err := FilterSet([]any{Const("fork"), "getpid"})
	if err != nil || !slices.Equal(deny, []string{"fork", "getpid"}) {
		t.Fatalf("FilterSet list = %v, %v", deny, err)
	}
	rec, _ := FilterSet(Record{"deny": []any{"fork", "getpid"}})
	if !slices.Equal(rec, deny) {
		t.Fatalf("{deny} = %v", rec)
	}
	allow, _ := FilterSet(Record{"allow": []any{"fork"}})
	if len(allow) != len(Table)-1 || slices.Contains(allow, "fork") {
		t.Fatalf("{allow: [fork]} denies %d calls (of %d), fork among them: %v", len(allow), len(Table), slices.Contains(allow, "fork"))
	}
	if _, err := FilterSet(Record{"permit": []any{}}); err == nil {
		t.Fatal("{permit: []} accepted")
	}
}

func TestBufRoundTrip(t *testing.T) {
	b, err := NewBuf([]any{"ab", Record{"u16": int64(0x102)}, int64(7), Record{"ptr": "xy"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b.Raw()); n != 2+2+8+8 {
		t.Fatalf("raw is %d bytes", n)
	}
	if got := Format(b.Value()); got != `["ab" {u16: 258} 7 {ptr: "xy"}]` {
		t.Fatalf("value = %s", got)
	}
	if _, err := NewBuf(Record{"u24": int64(1)}, ""); err == nil {
		t.Fatal("{u24: 1} accepted")
	}
}
