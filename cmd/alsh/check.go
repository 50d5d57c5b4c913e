package main

import (
	"fmt"
	"io"
	"os"

	"github.com/alsh/alsh/lang"
)

// checked runs lang's check on a parsed program and prints every problem
// as file:line:col: message. It says whether the program may run.
func checked(prog *lang.Program, args []string, stderr io.Writer) bool {
	problems := lang.New(nil, lang.Options{Args: args}).Check(prog)
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
	}
	return len(problems) == 0
}

// checkFiles is alsh check FILE…: parse and check each file, start
// nothing, and exit 0 only when every file passes.
func checkFiles(files []string, stderr io.Writer) int {
	if len(files) == 0 {
		fmt.Fprintf(stderr, "alsh check: no files given\n%s", usage)
		return 2
	}
	status := 0
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "alsh check: %v\n", err)
			status = 2
			continue
		}
		prog, err := lang.Parse(name, string(data))
		if err != nil {
			fmt.Fprintln(stderr, err)
			status = 2
			continue
		}
		if !checked(prog, nil, stderr) {
			status = 2
		}
	}
	return status
}
