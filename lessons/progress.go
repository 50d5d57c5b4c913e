package lessons

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Progress is how many steps of each lesson the student has done, by
// lesson ID, kept in a file of "ID STEPS" lines.
type Progress struct {
	path string // "" keeps nothing
	done map[string]int
}

// ProgressPath is $XDG_STATE_HOME/alsh/lessons, or
// ~/.local/state/alsh/lessons; "" when neither variable is set.
func ProgressPath(getenv func(string) string) string {
	state := getenv("XDG_STATE_HOME")
	if state == "" {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		state = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(state, "alsh", "lessons")
}

// LoadProgress reads the progress file; a missing file is no progress.
func LoadProgress(path string) (*Progress, error) {
	p := &Progress{path: path, done: map[string]int{}}
	if path == "" {
		return p, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		id, n, ok := strings.Cut(sc.Text(), " ")
		steps, err := strconv.Atoi(n)
		if !ok || err != nil || steps < 0 {
			return p, fmt.Errorf("%s: bad line %q", path, sc.Text())
		}
		p.done[id] = steps
	}
	return p, sc.Err()
}

// Done is how many steps of the lesson are done.
func (p *Progress) Done(l *Lesson) int { return min(p.done[l.ID], len(l.Steps)) }

// Set records that the first n steps of the lesson are done, and saves.
func (p *Progress) Set(l *Lesson, n int) error {
	p.done[l.ID] = n
	return p.save()
}

// save writes the file whole, through a temporary file, so that a crash
// leaves the old or the new progress.
func (p *Progress) save() error {
	if p.path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p.path), 0o700); err != nil {
		return err
	}
	var b strings.Builder
	for _, l := range All() {
		if n, ok := p.done[l.ID]; ok {
			fmt.Fprintf(&b, "%s %d\n", l.ID, n)
		}
	}
	tmp := p.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p.path)
}

// Status is a lesson's progress as the list shows it.
func (p *Progress) Status(l *Lesson) string {
	switch n := p.Done(l); {
	case n == 0:
		return ""
	case n >= len(l.Steps):
		return "done"
	default:
		return fmt.Sprintf("%d/%d steps", n, len(l.Steps))
	}
}
