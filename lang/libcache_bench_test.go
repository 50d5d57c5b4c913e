package lang

import (
	"testing"

	"github.com/alsh/alsh/lib"
)

// BenchmarkDecodeStoredSandbox: what use sandbox costs once its tree is
// stored (the index of the stored trees, then the tree).
func BenchmarkDecodeStoredSandbox(b *testing.B) {
	src, err := lib.FS.ReadFile("sandbox.alsh")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		trees, err := indexTrees(string(lib.Parsed))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := decodeTree(trees["lib/sandbox.alsh"].tree, "lib/sandbox.alsh"); err != nil {
			b.Fatal(err)
		}
	}
	if _, ok := precompiled("lib/sandbox.alsh", string(src)); !ok {
		b.Fatal("no stored tree for sandbox")
	}
}
