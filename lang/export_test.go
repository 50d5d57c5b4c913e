package lang

// ParsesAsSyntax says whether the grammar takes src, before the static
// check (which may still refuse it: a parameter named twice): what an
// incomplete input must be able to grow into.
func ParsesAsSyntax(src string) bool {
	_, err := parser().ParseString("", src)
	return err == nil
}

// Normalize is normalize, for the tests of what it copies.
var Normalize = normalize
