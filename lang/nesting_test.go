package lang

import (
	"strings"
	"testing"
)

// TestDeepNestingIsAnError: inputs that nest far deeper than any script
// (each overflowed participle's goroutine stack, a fatal error, before
// the bound) are a syntax error naming the bound and where it was
// passed; nesting up to the bound still parses.
func TestDeepNestingIsAnError(t *testing.T) {
	const deep = 100000
	for name, src := range map[string]string{
		"parentheses":   strings.Repeat("(", deep),
		"lists":         "$x = " + strings.Repeat("[", deep),
		"records":       "f " + strings.Repeat("{a: ", deep),
		"selectors":     "$x" + strings.Repeat(".($x", deep),
		"negations":     strings.Repeat("- ", deep) + "1",
		"nots":          strings.Repeat("not ", deep) + "true",
		"blocks":        strings.Repeat("if true {\n", deep),
		"else-ifs":      "if a { }" + strings.Repeat(" else if a {\n}", deep),
		"else, if":      "if a { }" + strings.Repeat(" else\nif a {\n}", deep),
		"closed parens": strings.Repeat("(", deep) + "1" + strings.Repeat(")", deep),
	} {
		_, err := Parse("f", src)
		pe, ok := err.(*ParseError)
		if !ok || !strings.Contains(pe.Msg, "nested more than 1000 levels deep") {
			t.Errorf("%s: got %v, want the nesting bound's error", name, err)
		}
	}
	atBound := strings.Repeat("(", maxNesting) + "1" + strings.Repeat(")", maxNesting)
	if _, err := Parse("f", atBound); err != nil {
		t.Errorf("%d parentheses: %v", maxNesting, err)
	}
	chain := "if a { }" + strings.Repeat(" else if a {\n}", 300) + "\n" + strings.Repeat("if a { } else if a { }\n", 3000)
	if _, err := Parse("f", chain); err != nil {
		t.Errorf("else-if chains that end: %v", err)
	}
}
