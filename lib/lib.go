// Package lib holds the alsh library: modules written in alsh
// (NAME.alsh), embedded in the binary so that `use NAME` finds them
// wherever alsh runs. It holds no code of its own: lang reads the files.
package lib

import "embed"

// FS holds the library's modules, one NAME.alsh file each.
//
//go:embed *.alsh
var FS embed.FS
