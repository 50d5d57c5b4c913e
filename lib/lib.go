// Package lib holds the alsh library: modules written in alsh
// (NAME.alsh), embedded in the binary so that `use NAME` finds them
// wherever alsh runs (their syntax trees, parsed ahead of time, are
// lang/zlibtrees.go, made by go generate: see lang/libcache.go). It holds
// no code of its own: lang reads the files.
package lib

import "embed"

// FS holds the library's modules, one NAME.alsh file each.
//
//go:embed *.alsh
var FS embed.FS
