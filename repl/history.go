package repl

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// historyLimit is how many entries the editor keeps and loads.
const historyLimit = 1000

// history is the file entries are kept in across runs. An entry takes
// one line; the further lines of a multi-line entry follow it, each
// indented by one tab. Each entry is appended as it is made, so that
// several REPLs may share the file.
type history struct {
	path string // "" when no history is kept
}

// openHistory loads the history file into the editor. Nothing is kept
// when the REPL is not on a terminal.
func (r *repl) openHistory() *history {
	h := &history{path: r.historyPath()}
	// readline set FuncIsTerminal to Config.Terminal, or to its own check
	if !r.rl.Config.FuncIsTerminal() {
		h.path = ""
	}
	if h.path == "" {
		return h
	}
	entries, err := readHistory(h.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.pr.errorf("alsh: reading history: %v\n", err)
	}
	for _, e := range entries {
		r.rl.SaveHistory(encodeEntry(e))
	}
	return h
}

// historyPath is where history goes: the configured file, or
// $XDG_STATE_HOME/alsh/history, or ~/.local/state/alsh/history.
func (r *repl) historyPath() string {
	switch p := r.cfg.HistoryFile; p {
	case "-":
		return ""
	case "":
	default:
		return p
	}
	state := r.cfg.Getenv("XDG_STATE_HOME")
	if state == "" {
		home := r.cfg.Getenv("HOME")
		if home == "" {
			return ""
		}
		state = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(state, "alsh", "history")
}

// readHistory reads the entries of a history file, the last
// historyLimit of them.
func readHistory(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var entries []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "\t"); ok && len(entries) > 0 {
			entries[len(entries)-1] += "\n" + rest
			continue
		}
		entries = append(entries, line)
	}
	if len(entries) > historyLimit {
		entries = entries[len(entries)-historyLimit:]
	}
	return entries, sc.Err()
}

// add appends an entry to the file.
func (h *history) add(entry string) error {
	if h.path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		return fmt.Errorf("saving history: %w", err)
	}
	f, err := os.OpenFile(h.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("saving history: %w", err)
	}
	_, err = f.WriteString(strings.ReplaceAll(entry, "\n", "\n\t") + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// newlineMark stands for a newline when a multi-line entry is recalled
// into the one-line editor; submitting the line turns it back.
const newlineMark = "↵"

func encodeEntry(s string) string { return strings.ReplaceAll(s, "\n", newlineMark) }
func decodeEntry(s string) string { return strings.ReplaceAll(s, newlineMark, "\n") }
