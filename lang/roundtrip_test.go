package lang_test

import (
	"context"
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang"
	"github.com/alsh/alsh/lang/langtest"
)

// roundValues are values as hosts return them; printing one and reading
// the text back must give the same value.
var roundValues = []any{
	int64(0), int64(-1), int64(1 << 62), int64(-1 << 63), "", "hello\n", "\x00\x01\x7f\x80\xff",
	"héllo ✓", "\u00a0\u200b\ufffd", "é\xc3", "\xe2\x9c",
	"quote \" backslash \\ dollar $x ${y}", "tab\tcr\r", true, false, nil,
	builtins.Const("clone_newpid"), builtins.Const("stdout"),
	[]any{}, []any{int64(1), "two", builtins.Const("three"), []any{nil}},
	builtins.Record{}, builtins.Record{"cur": int64(0), "max": builtins.Const("infinity")},
	builtins.Record{"in": int64(1), "if": "x", "a": builtins.Record{"b": []any{true}}},
}

func readBack(t *testing.T, text string) any {
	t.Helper()
	prog, err := lang.Parse("", "$v = ["+text+"]")
	if err != nil {
		t.Fatalf("Parse(%s): %v", text, err)
	}
	in := lang.New(langtest.New(), lang.Options{})
	if err := in.Run(context.Background(), prog); err != nil {
		t.Fatalf("Run(%s): %v", text, err)
	}
	v, _ := in.Var("v")
	return v.([]any)[0]
}

func TestRoundTrip(t *testing.T) {
	for _, v := range roundValues {
		text := builtins.Format(v)
		if got := builtins.Format(readBack(t, text)); got != text {
			t.Errorf("Format(%#v) = %s reads back as %s", v, text, got)
		}
	}
}

func FuzzRoundTrip(f *testing.F) {
	f.Add("hello\n\x00\xff$x\"\\")
	f.Add("héllo ✓\u2028\xc3")
	f.Fuzz(func(t *testing.T, s string) {
		text := builtins.Format([]any{s, builtins.Record{"k": s}})
		if got := builtins.Format(readBack(t, text)); got != text {
			t.Errorf("%s reads back as %s", text, got)
		}
	})
}
