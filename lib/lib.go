// Package lib holds the alsh library: modules written in alsh
// (NAME.alsh), embedded in the binary so that `use NAME` finds them
// wherever alsh runs, and their syntax trees parsed ahead of time
// (zparsed.gob, made by go generate: see lang/libcache.go). It holds no
// code of its own: lang reads the files.
package lib

//go:generate go run gen_parsed.go

import "embed"

// FS holds the library's modules, one NAME.alsh file each.
//
//go:embed *.alsh
var FS embed.FS

// Parsed is the modules' syntax trees, as lang.CompileLibrary encodes
// them.
//
//go:embed zparsed.gob
var Parsed []byte
