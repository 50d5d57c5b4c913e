package repl

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang"
)

// completer completes the word before the cursor from what the line says
// so far (scan.go): commands, constants of the argument's table,
// $variables, live pipelines and pids, and paths in strings.
type completer struct{ r *repl }

// Do implements readline.AutoCompleter: it returns the candidates'
// remaining runes and the length of the word they complete.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	word, stack, ok := completionContext(line[:pos])
	if !ok {
		return nil, 0
	}
	cands := c.candidates(stack, word)
	var out [][]rune
	for _, cand := range cands {
		if len(cand) >= len(word) && strings.EqualFold(cand[:len(word)], word) {
			out = append(out, []rune(cand[len(word):]))
		}
	}
	return out, len([]rune(word))
}

// completionContext splits the text before the cursor into the word being
// completed and the frames it sits in. ok is false right after a closing
// bracket or a closed string, where nothing completes.
func completionContext(before []rune) (string, []*frame, bool) {
	toks := tokenize(before)
	word := ""
	if n := len(toks); n > 0 {
		last := toks[n-1]
		touches := last.start+len([]rune(last.text)) == len(before)
		switch {
		case touches && (last.kind == tokWord || last.kind == tokString && !closedString(last.text)):
			word, toks = last.text, toks[:n-1]
		case touches && (last.kind == tokClose || last.kind == tokString || last.kind == tokComment):
			return "", nil, false
		}
	}
	return word, scan(toks), true
}

func closedString(s string) bool {
	r := []rune(s)
	return len(r) >= 2 && stringEnd(r, 0) == len(r) && r[len(r)-1] == r[0]
}

// candidates lists the full words that fit where the cursor is.
func (c *completer) candidates(stack []*frame, word string) []string {
	if strings.HasPrefix(word, "$") {
		return c.variables(word)
	}
	top := stack[len(stack)-1]
	switch {
	case top.statement() && top.expect && top.command == "" && top.args == 0:
		return withSpace(builtins.ConstantNames("errno"))
	case top.statement() && top.command == "":
		return withSpace(append(c.commandWords(), flagsAround(stack)...))
	case top.statement():
		return c.argument(top.command, top.args, word)
	case len(stack) < 2:
		return nil
	}
	parent := stack[len(stack)-2]
	if top.kind == '[' && parent.kind == '{' && len(stack) >= 3 {
		return recordListConstants(stack[len(stack)-3])
	}
	if !parent.statement() || parent.command == "" {
		return nil
	}
	if top.kind == '[' {
		return c.element(parent.command, parent.args, top.elems)
	}
	return c.field(parent.command, parent.args)
}

// flagsAround lists the constants a parenthesised expression may hold
// when it is an argument that takes flags: clone [] (clone_newpid | …).
func flagsAround(stack []*frame) []string {
	if len(stack) < 2 || stack[len(stack)-1].kind != '(' {
		return nil
	}
	parent := stack[len(stack)-2]
	if a, ok := callArg(parent.command, parent.args); ok && parent.statement() && a.Kind == builtins.Flags {
		return builtins.ConstantNames(a.Table)
	}
	return nil
}

// commandWords is every word that may start a statement.
func (c *completer) commandWords() []string {
	words := append(lang.Commands(), lang.Keywords()...)
	words = append(words, c.r.interp.Procs()...)
	words = append(words, c.r.tourWords()...)
	sort.Strings(words)
	return slices.Compact(words)
}

// argument lists what argument i of a command may be. exit is also a
// language builtin whose first argument may be a status, not a pipeline.
func (c *completer) argument(command string, i int, word string) []string {
	if _, ok := builtins.Lookup(command); ok && command != "exit" {
		if i == 0 {
			return withSpace(c.pipelines())
		}
		return tableArg(command, i, word)
	}
	switch {
	case command == "help" && i == 0:
		return withSpace(c.commandWords())
	case command == "use" && i == 0:
		return withSpace(lang.Modules())
	case command == "wait" && i == 0:
		return withSpace([]string{"stdout", "stderr", "event", "exit"})
	case command == "wait" && i == 1:
		return withSpace(c.pipelines())
	case command == "source" && i == 0 && strings.HasPrefix(word, `"`):
		return paths(word)
	}
	return nil
}

// callArg returns the call table's description of argument i of a
// call as the statement counts it: 0 is the pipeline, which the table
// does not list, so the table's arguments start at 1.
func callArg(command string, i int) (builtins.Arg, bool) {
	tc, ok := builtins.Lookup(command)
	if !ok || i < 1 || i > len(tc.Args) {
		return builtins.Arg{}, false
	}
	return tc.Args[i-1], true
}

// tableArg lists what argument i of a call may be: the constants of its
// table, or paths for a path in a string.
func tableArg(command string, i int, word string) []string {
	a, ok := callArg(command, i)
	switch {
	case ok && a.Kind == builtins.Flags:
		return withSpace(builtins.ConstantNames(a.Table))
	case ok && a.Kind == builtins.Str && isPathArg(a.Name) && strings.HasPrefix(word, `"`):
		return paths(word)
	}
	return nil
}

// element lists what may go in a list that is argument i of a command:
// the pids of a pipeline, or constants of a flags argument.
func (c *completer) element(command string, i int, elems []string) []string {
	_, isCall := builtins.Lookup(command)
	if isCall && i == 0 || command == "wait" && i == 1 {
		return c.childPids(elems)
	}
	if a, ok := callArg(command, i); ok && a.Kind == builtins.Flags {
		return withSpace(builtins.ConstantNames(a.Table))
	}
	return nil
}

// recordListConstants lists the constants a list inside a record
// argument may hold, when the argument names a table: capset [$c]
// {effective: [cap_chown …]}.
func recordListConstants(call *frame) []string {
	if !call.statement() || call.command == "" {
		return nil
	}
	if a, ok := callArg(call.command, call.args); ok && a.Kind == builtins.Any && a.Table != "" {
		return withSpace(builtins.ConstantNames(a.Table))
	}
	return nil
}

// field lists the fields of a record argument (rlimit's cur and max).
func (c *completer) field(command string, i int) []string {
	if a, ok := callArg(command, i); ok && a.Kind == builtins.Rlimit {
		return []string{"cur: ", "max: "}
	}
	return nil
}

// isPathArg says whether a string argument names a file.
func isPathArg(name string) bool {
	switch name {
	case "file", "target", "source", "new_root", "put_old", "dir", "root":
		return true
	}
	return strings.Contains(name, "path")
}

// withSpace ends each word with the space that must follow it, so that
// a unique completion leaves the cursor ready for the next word.
func withSpace(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w + " "
	}
	return out
}

// prefixed puts prefix before each word.
func prefixed(prefix string, words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = prefix + w
	}
	return out
}

// pipelines lists the live processes' pipelines, [] first.
func (c *completer) pipelines() []string {
	var out []string
	for _, p := range c.r.cfg.Host.Processes() {
		out = append(out, pipelineString(p.Pipeline))
	}
	return out
}

// childPids lists the pids that may follow the pipeline typed so far.
func (c *completer) childPids(elems []string) []string {
	prefix, ok := c.pids(elems)
	if !ok {
		return nil
	}
	var out []string
	for _, p := range c.r.cfg.Host.Processes() {
		pl := p.Pipeline
		if len(pl) == len(prefix)+1 && slices.Equal(pl[:len(prefix)], prefix) {
			out = append(out, strconv.Itoa(pl[len(pl)-1]))
		}
	}
	return out
}

// pids reads the elements of a pipeline being typed: numbers or
// variables holding numbers.
func (c *completer) pids(elems []string) ([]int, bool) {
	var out []int
	for _, e := range elems {
		v, ok := c.value(e)
		n, isInt := v.(int64)
		if !ok || !isInt {
			return nil, false
		}
		out = append(out, int(n))
	}
	return out, true
}

// value is the value of a number or a variable written in the line. A
// number is read as the language reads it (lang.Int), so that a pid the
// language would refuse offers no children.
func (c *completer) value(s string) (any, bool) {
	if name, ok := strings.CutPrefix(s, "$"); ok {
		return c.r.interp.Var(name)
	}
	var n lang.Int
	err := n.Capture([]string{s})
	return int64(n), err == nil
}

// variables completes $name and $name.field.
func (c *completer) variables(word string) []string {
	name, path, dotted := strings.Cut(word[1:], ".")
	if !dotted {
		return prefixed("$", c.r.interp.Vars())
	}
	fields := strings.Split(path, ".")
	rec, ok := c.record(name, fields[:len(fields)-1])
	if !ok {
		return nil
	}
	return prefixed(word[:strings.LastIndex(word, ".")+1], rec.Keys())
}

// record follows fields from a variable to the record they name. A
// missing field or a value that is not a record reads as a nil Record,
// whose every lookup fails, so the walk needs no early return.
func (c *completer) record(name string, fields []string) (builtins.Record, bool) {
	v, ok := c.r.interp.Var(name)
	for _, f := range fields {
		rec, _ := v.(builtins.Record)
		v, ok = rec[f]
	}
	rec, isRec := v.(builtins.Record)
	return rec, ok && isRec
}

// paths completes a path in a string being typed: directories end with
// a slash, files close the string.
func paths(word string) []string {
	quote, path := word[:1], word[1:]
	dir, base := filepath.Split(path)
	entries, err := os.ReadDir(dirOrDot(dir))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, base) || strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		if isDir(dir, e) {
			out = append(out, quote+dir+name+"/")
		} else {
			out = append(out, quote+dir+name+quote+" ")
		}
	}
	return out
}

func dirOrDot(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}

// isDir says whether an entry is a directory, following symbolic links.
func isDir(dir string, e os.DirEntry) bool {
	if e.Type()&os.ModeSymlink == 0 {
		return e.IsDir()
	}
	fi, err := os.Stat(filepath.Join(dirOrDot(dir), e.Name()))
	return err == nil && fi.IsDir()
}
