package lang

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"fmt"
	"io/fs"
	"slices"
	"sync"

	"github.com/alsh/alsh/lib"
)

// The built-in library parsed ahead of time. Parsing a module costs tens
// of milliseconds, most of what `alsh box` would spend, so `go generate
// ./lib` stores the syntax trees of lib/*.alsh in lib/zparsed.gob and use
// decodes them (about 2 ms for all). A tree is used only with the exact
// source it was made from (its SHA-256); a stale or unreadable file means
// parsing, never a wrong program, and a test reports it stale.

// compiledModule is one module's tree and the hash of its source.
type compiledModule struct {
	File string
	Sum  [sha256.Size]byte
	Prog *Program
}

// registerTypes tells gob the tree's node types, at the first encode or
// decode rather than at every start of the binary (every node's too).
var registerTypes = sync.OnceFunc(func() {
	for _, v := range []any{&Assign{}, &If{}, &For{}, &While{}, &Proc{}, &Return{}, &Break{},
		&Continue{}, &Try{}, &Expect{}, &ExprStmt{}, &IntLit{}, &StrLit{}, &RawLit{}, &BoolLit{},
		&OkLit{}, &VarLit{}, &ListLit{}, &RecordLit{}, &Paren{}} {
		gob.Register(v)
	}
})

// CompileLibrary parses every NAME.alsh of fsys and encodes the trees,
// as lib/zparsed.gob holds them.
func CompileLibrary(fsys fs.FS) ([]byte, error) {
	names, err := fs.Glob(fsys, "*.alsh")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var mods []compiledModule
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
		mods = append(mods, compiledModule{File: file, Sum: sha256.Sum256(data), Prog: prog})
	}
	var buf bytes.Buffer
	registerTypes()
	if err := gob.NewEncoder(&buf).Encode(mods); err != nil {
		return nil, fmt.Errorf("encoding the library: %w", err)
	}
	return buf.Bytes(), nil
}

var compiled struct {
	once sync.Once
	mods map[string]compiledModule
}

// precompiled returns the stored tree of a library file, if it was made
// from src.
func precompiled(file, src string) (*Program, bool) {
	compiled.once.Do(func() {
		var mods []compiledModule
		registerTypes()
		if gob.NewDecoder(bytes.NewReader(lib.Parsed)).Decode(&mods) != nil {
			return
		}
		compiled.mods = map[string]compiledModule{}
		for _, m := range mods {
			compiled.mods[m.File] = m
		}
	})
	m, ok := compiled.mods[file]
	if !ok || m.Sum != sha256.Sum256([]byte(src)) {
		return nil, false
	}
	p := *m.Prog
	p.src = src
	return &p, true
}
