//go:build ignore

// gen_parsed writes zparsed.gob: the syntax trees of the library's
// modules, so that use need not parse them each time alsh starts.
package main

import (
	"log"
	"os"

	"github.com/alsh/alsh/lang"
)

func main() {
	data, err := lang.CompileLibrary(os.DirFS("."))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("zparsed.gob", data, 0o644); err != nil {
		log.Fatal(err)
	}
}
