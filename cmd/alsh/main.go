// Command alsh runs alsh scripts, one-liners and the interactive REPL.
//
//	alsh FILE.alsh [args…]   run a script
//	alsh -c 'TEXT' [args…]   run TEXT
//	alsh < statements        run what stdin holds
//	alsh                     the REPL, on a terminal
//	alsh learn [N]           the lessons, in the REPL
package main

import "os"

func main() {
	os.Exit(Run([3]*os.File{os.Stdin, os.Stdout, os.Stderr}, os.Args[1:]))
}
