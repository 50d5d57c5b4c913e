package lang

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/alsh/alsh/lib"
)

// The built-in library parsed ahead of time. Parsing a module costs tens
// of milliseconds, most of what `alsh box` would spend, so `go generate
// ./lib` stores the syntax trees of lib/*.alsh in lib/ztrees.bin and use
// decodes the tree of each module it loads, and no other (treecodec.go).
// A tree is used only with the exact source it was
// made from (its SHA-256); a stale or unreadable file means parsing,
// never a wrong program, and a test reports it stale.
//
// The file: treesMagic, the number of modules, then for each its file
// name, the SHA-256 of its source (32 bytes) and its encoded tree, each
// string as a varint length and its bytes.

const treesMagic = "alsh-trees 1\n"

// CompileLibrary parses every NAME.alsh of fsys and encodes the trees,
// as lib/ztrees.bin holds them.
func CompileLibrary(fsys fs.FS) ([]byte, error) {
	names, err := fs.Glob(fsys, "*.alsh")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	e := &treeEnc{b: []byte(treesMagic)}
	e.uint(uint64(len(names)))
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		file := "lib/" + name
		prog, err := Parse(file, string(data))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		e.str(file)
		e.b = append(e.b, sum[:]...)
		e.str(string(encodeTree(prog)))
	}
	return e.b, nil
}

// storedTree is a module's encoded tree and the hash of its source.
type storedTree struct {
	sum  string
	tree string
}

// storedTrees indexes lib.Parsed by file name; nil if it cannot be read.
var storedTrees = sync.OnceValue(func() map[string]storedTree {
	trees, _ := indexTrees(string(lib.Parsed))
	return trees
})

func indexTrees(data string) (trees map[string]storedTree, err error) {
	defer func() {
		if r := recover(); r != nil {
			trees, err = nil, fmt.Errorf("%w: %v", errTreeData, r)
		}
	}()
	rest, ok := strings.CutPrefix(data, treesMagic)
	if !ok {
		return nil, errTreeData
	}
	d := &treeDec{data: rest}
	trees = map[string]storedTree{}
	for n := d.count(); n > 0; n-- {
		file := d.str()
		if d.off+sha256.Size > len(d.data) {
			return nil, errTreeData
		}
		sum := d.data[d.off : d.off+sha256.Size]
		d.off += sha256.Size
		trees[file] = storedTree{sum: sum, tree: d.str()}
	}
	return trees, nil
}

// precompiled returns the stored tree of a library file, if it was made
// from src.
func precompiled(file, src string) (*Program, bool) {
	t, ok := storedTrees()[file]
	if sum := sha256.Sum256([]byte(src)); !ok || t.sum != string(sum[:]) {
		return nil, false
	}
	p, err := decodeTree(t.tree, file)
	if err != nil {
		return nil, false
	}
	p.src = src
	return p, true
}
