package lang

import (
	"bytes"
	"encoding/json"
	gofmt "go/format"
	"os"
	"strings"
	"testing"

	"github.com/alsh/alsh/lib"
)

// TestLibraryParsedFresh: zlibtrees.go holds the trees of the library's
// current sources (go generate ./lang rewrites it).
func TestLibraryParsedFresh(t *testing.T) {
	src, err := CompileLibrary(lib.FS)
	if err != nil {
		t.Fatal(err)
	}
	data, err := gofmt.Source(src) // as gen_libtrees.go does
	if err != nil {
		t.Fatal(err)
	}
	stored, err := os.ReadFile("zlibtrees.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, stored) {
		t.Fatal("lang/zlibtrees.go is stale: run go generate ./lang")
	}
}

// TestPrecompiledMatchesParse: a stored tree is the parser's, and is used
// only for the source it was made from.
func TestPrecompiledMatchesParse(t *testing.T) {
	src, err := lib.FS.ReadFile("sandbox.alsh")
	if err != nil {
		t.Fatal(err)
	}
	stored, ok := precompiled("lib/sandbox.alsh", string(src))
	if !ok {
		t.Fatal("no stored tree for lib/sandbox.alsh")
	}
	parsed, err := Parse("lib/sandbox.alsh", string(src))
	if err != nil {
		t.Fatal(err)
	}
	if treeJSON(t, stored) != treeJSON(t, parsed) {
		t.Error("the stored tree differs from the parser's")
	}
	if _, ok := precompiled("lib/sandbox.alsh", string(src)+"\n"); ok {
		t.Error("a stored tree was used for a changed source")
	}
	for _, at := range []int{0, 7, 8, len(src) / 2, len(src) - 9, len(src) - 1} {
		changed := bytes.Clone(src)
		changed[at] ^= 0x20
		if _, ok := precompiled("lib/sandbox.alsh", string(changed)); ok {
			t.Errorf("a stored tree was used for the source with byte %d changed", at)
		}
	}
}

// treeJSON shows a tree, an empty list as null: the evaluator makes no
// difference between the two.
func treeJSON(t *testing.T, p *Program) string {
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(data), "[]", "null")
}
