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

// formatFiles is alsh fmt [-w] FILE…: print each file laid out as
// lang.Format does, or with -w rewrite the files that change.
func formatFiles(args []string, stdout, stderr io.Writer) int {
	write := len(args) > 0 && args[0] == "-w"
	if write {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintf(stderr, "alsh fmt: no files given\n%s", usage)
		return 2
	}
	status := 0
	for _, name := range args {
		if err := formatFile(name, write, stdout); err != nil {
			fmt.Fprintf(stderr, "alsh fmt: %v\n", err)
			status = 2
		}
	}
	return status
}

func formatFile(name string, write bool, stdout io.Writer) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	out, err := lang.Format(name, string(data))
	if err != nil {
		return err
	}
	if !write {
		_, err = io.WriteString(stdout, out)
		return err
	}
	if out == string(data) {
		return nil
	}
	info, err := os.Stat(name)
	if err != nil {
		return err
	}
	return os.WriteFile(name, []byte(out), info.Mode().Perm())
}
