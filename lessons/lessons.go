// Package lessons is alsh's guided tour: lesson files (embedded from
// this directory) and the code that reads them, checks a student's
// state against a step, and runs a lesson's reference solutions as a
// test. It holds no OS code: it reaches processes through lang.Host, so
// the REPL (which must build everywhere) can import it.
package lessons

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/alsh/alsh/builtins"
)

//go:embed *.lesson
var files embed.FS

// Lesson is one lesson file: a title, what it teaches, and its steps.
type Lesson struct {
	Number  int    // its place in the tour: the NN of NN-name.lesson
	ID      string // the file name without number and extension: progress is kept by it
	Title   string
	Teaches string
	// Root says the lesson needs root (chroot, namespaces, mounts).
	Root bool
	// Calls are the calls the lesson uses; their errno causes must exist.
	Calls []string
	// Setup runs before the first step (and before a resumed one);
	// Cleanup when the lesson ends or is left. Both are alsh lines.
	Setup   []string
	Cleanup []string
	// Helpers are alsh lines (procedures) the checks may use; the
	// student's session does not see them.
	Helpers []string
	Steps   []*Step
}

// Step is one exercise: an explanation, a task, and the conditions that
// say it is done.
type Step struct {
	Title string
	Man   string   // the manual page to read, "fork(2)"
	Text  []string // a few lines of explanation
	Task  string
	// Checks are expect conditions ("(getppid [$c]) == (getpid [])"),
	// evaluated with the student's variables; every one must hold.
	Checks []string
	Hint   []string
	// Show is the reference solution: alsh lines.
	Show []string
	// Root says the step needs root; without it the step is shown and
	// skipped. Such steps come last in a lesson.
	Root bool
	// Settle is how long (ms) a failing check is retried, for effects
	// that arrive asynchronously (a process's exit).
	Settle int
}

// Planned is a place in the tour for a lesson whose calls alsh does not
// have yet: learn lists it as not yet available.
type Planned struct {
	Number int
	Title  string
	Needs  string
}

// planned are the lessons that come once their calls exist. There are
// none now: every lesson of the tour is written.
var planned []Planned

// PlannedLessons lists the lessons not yet available.
func PlannedLessons() []Planned { return slices.Clone(planned) }

// All returns the written lessons in order. They are read once; the
// caller must not change them.
func All() []*Lesson { return loaded() }

// loaded parses the embedded files. They are checked by the tests, so a
// parse error here is a build mistake.
var loaded = sync.OnceValue(func() []*Lesson {
	names, err := fs.Glob(files, "*.lesson")
	if err != nil {
		panic(err)
	}
	slices.Sort(names)
	var out []*Lesson
	for _, name := range names {
		data, err := files.ReadFile(name)
		if err != nil {
			panic(err)
		}
		l, err := Parse(name, string(data))
		if err != nil {
			panic(err)
		}
		out = append(out, l)
	}
	return out
})

// Find returns lesson n, or says why there is none.
func Find(n int) (*Lesson, error) {
	for _, l := range All() {
		if l.Number == n {
			return l, nil
		}
	}
	for _, p := range planned {
		if p.Number == n {
			return nil, fmt.Errorf("lesson %d (%s) is not yet available: it needs %s", n, p.Title, p.Needs)
		}
	}
	return nil, fmt.Errorf("no lesson %d: there are lessons 1 to %d", n, lastNumber())
}

// Next is the first written lesson after lesson n, or nil.
func Next(n int) *Lesson {
	for _, l := range All() {
		if l.Number > n {
			return l
		}
	}
	return nil
}

// lastNumber is the number of the tour's last lesson, written or not.
func lastNumber() int {
	n := 0
	for _, l := range All() {
		n = max(n, l.Number)
	}
	for _, p := range planned {
		n = max(n, p.Number)
	}
	return n
}

// Parse reads a lesson file. Each line starts with a keyword:
//
//	title T / teaches T / root yes|no / calls a b c / setup L / cleanup L
//	helper L     (alsh lines the checks may use)
//	step TITLE   starts a step; then:
//	man PAGE / | TEXT / task T / check COND / hint T / show LINE /
//	settle MS / root yes
//
// Lines starting with # are comments.
func Parse(name, src string) (*Lesson, error) {
	l := &Lesson{ID: lessonID(name), Number: lessonNumber(name)}
	sc := bufio.NewScanner(strings.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		if err := l.line(sc.Text()); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
	}
	if err := l.validate(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return l, nil
}

// lessonNumber is 1 for "01-processes.lesson", 0 without a number.
func lessonNumber(name string) int {
	n, _ := strconv.Atoi(strings.SplitN(path.Base(name), "-", 2)[0])
	return n
}

// lessonID is "processes" for "01-processes.lesson".
func lessonID(name string) string {
	base := strings.TrimSuffix(path.Base(name), ".lesson")
	if _, rest, ok := strings.Cut(base, "-"); ok {
		return rest
	}
	return base
}

func (l *Lesson) line(line string) error {
	if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
		return nil
	}
	if rest, ok := strings.CutPrefix(line, "|"); ok {
		return l.text(strings.TrimPrefix(rest, " "))
	}
	key, val, _ := strings.Cut(line, " ")
	val = strings.TrimSpace(val)
	if s := l.current(); s != nil {
		if ok, err := s.field(key, val); ok || err != nil {
			return err
		}
	}
	return l.field(key, val)
}

func (l *Lesson) current() *Step {
	if len(l.Steps) == 0 {
		return nil
	}
	return l.Steps[len(l.Steps)-1]
}

func (l *Lesson) text(t string) error {
	s := l.current()
	if s == nil {
		return fmt.Errorf("text before the first step")
	}
	s.Text = append(s.Text, t)
	return nil
}

// field reads a lesson-level line.
func (l *Lesson) field(key, val string) error {
	switch key {
	case "title":
		l.Title = val
	case "teaches":
		l.Teaches = val
	case "root":
		if val != "yes" && val != "no" {
			return fmt.Errorf("root: want yes or no, got %q", val)
		}
		l.Root = val == "yes"
	case "calls":
		l.Calls = append(l.Calls, strings.Fields(val)...)
	case "setup":
		l.Setup = append(l.Setup, val)
	case "cleanup":
		l.Cleanup = append(l.Cleanup, val)
	case "helper":
		l.Helpers = append(l.Helpers, val)
	case "step":
		l.Steps = append(l.Steps, &Step{Title: val})
	default:
		return fmt.Errorf("unknown keyword %q", key)
	}
	return nil
}

// field reads a step-level line and says whether key was one.
func (s *Step) field(key, val string) (bool, error) {
	switch key {
	case "man":
		s.Man = val
	case "task":
		s.Task = val
	case "check":
		s.Checks = append(s.Checks, val)
	case "hint":
		s.Hint = append(s.Hint, val)
	case "show":
		s.Show = append(s.Show, val)
	case "root":
		if val != "yes" {
			return true, fmt.Errorf("root: a step says root yes or nothing, got %q", val)
		}
		s.Root = true
	case "settle":
		if _, err := fmt.Sscan(val, &s.Settle); err != nil || s.Settle < 0 {
			return true, fmt.Errorf("settle: want milliseconds, got %q", val)
		}
	default:
		return false, nil
	}
	return true, nil
}

// validate checks that the lesson is complete: every step can be shown,
// checked and solved, and every call it names exists.
func (l *Lesson) validate() error {
	switch {
	case l.Title == "":
		return fmt.Errorf("no title")
	case l.Teaches == "":
		return fmt.Errorf("no teaches line")
	case len(l.Steps) == 0:
		return fmt.Errorf("no steps")
	}
	for _, c := range l.Calls {
		if _, ok := builtins.Lookup(c); !ok {
			return fmt.Errorf("calls: no call %s", c)
		}
	}
	for i, s := range l.Steps {
		if err := s.validate(); err != nil {
			return fmt.Errorf("step %d (%s): %v", i+1, s.Title, err)
		}
		if i > 0 && l.Steps[i-1].Root && !s.Root {
			return fmt.Errorf("step %d (%s): a step for anyone after one that needs root", i+1, s.Title)
		}
	}
	return nil
}

func (s *Step) validate() error {
	switch {
	case s.Man == "":
		return fmt.Errorf("no man page")
	case len(s.Text) == 0:
		return fmt.Errorf("no text")
	case s.Task == "":
		return fmt.Errorf("no task")
	case len(s.Checks) == 0:
		return fmt.Errorf("no check")
	case len(s.Hint) == 0:
		return fmt.Errorf("no hint")
	case len(s.Show) == 0:
		return fmt.Errorf("no reference solution (show)")
	}
	return nil
}
