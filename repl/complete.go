package repl

// completer completes the word before the cursor (complete_scan.go finds
// what kind of word it is).
type completer struct{ r *repl }

// Do implements readline.AutoCompleter: it returns the candidates'
// remaining runes and the length of the word they complete.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	return nil, 0
}
