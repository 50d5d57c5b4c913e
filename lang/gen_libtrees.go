//go:build ignore

// gen_libtrees writes zlibtrees.go: the syntax trees of the library's
// modules (lib/*.alsh) as Go literals, so that use need not parse them,
// nor decode anything, each time alsh starts.
package main

import (
	"go/format"
	"log"
	"os"

	"github.com/alsh/alsh/lang"
	"github.com/alsh/alsh/lib"
)

func main() {
	src, err := lang.CompileLibrary(lib.FS)
	if err != nil {
		log.Fatal(err)
	}
	data, err := format.Source(src)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("zlibtrees.go", data, 0o644); err != nil {
		log.Fatal(err)
	}
}
