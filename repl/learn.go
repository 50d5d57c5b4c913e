package repl

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang"
	"github.com/alsh/alsh/lessons"
)

// tour is the lesson the student is in, if any, and their progress.
type tour struct {
	progress *lessons.Progress
	lesson   *lessons.Lesson // nil outside a lesson
	step     int
	made     map[string]any // what the lesson's setup defined, for its cleanup
	root     bool           // the tree's root node runs as root
}

// learnHelp ends the list of lessons.
const learnHelp = "Inside a lesson: hint, show (the solution), skip, check, step, stop.\n"

// openTour loads the progress file (a bad one is reported, and replaced
// as steps are done).
func (r *repl) openTour() {
	p, err := lessons.LoadProgress(lessons.ProgressPath(r.cfg.Getenv))
	if err != nil {
		r.pr.errorf("alsh: reading lesson progress: %v\n", err)
	}
	r.tour = &tour{progress: p}
}

// tourCommand runs learn and, inside a lesson, hint, show, skip, step,
// check and stop; it says whether the entry was one of them.
func (r *repl) tourCommand(ctx context.Context, fields []string) bool {
	if fields[0] == "learn" && len(fields) <= 2 && !r.isProc("learn") {
		r.learn(ctx, fields[1:])
		return true
	}
	if r.tour.lesson == nil || len(fields) != 1 || r.isProc(fields[0]) {
		return false
	}
	switch fields[0] {
	case "hint":
		r.pr.printf("%s", indentLines("hint: ", r.currentStep().Hint))
	case "show":
		r.pr.printf("%s", indentLines("solution: ", r.currentStep().Show))
	case "skip":
		r.skipStep(ctx)
	case "step":
		r.pr.printf("%s", r.tour.lesson.Render(r.tour.step))
	case "check":
		r.checkStep(ctx, true)
	case "stop":
		r.stopLesson(ctx, true)
	default:
		return false
	}
	return true
}

func (r *repl) learn(ctx context.Context, args []string) {
	if len(args) == 0 {
		r.pr.printf("%s", lessons.Index(r.tour.progress))
		if l := r.tour.lesson; l != nil {
			r.pr.printf("You are in lesson %d, step %d; step shows it again.\n", l.Number, r.tour.step+1)
		}
		r.pr.printf("%s", learnHelp)
		return
	}
	n, err := strconv.Atoi(args[0])
	if err != nil {
		r.pr.errorf("error: learn: want a lesson number, got %q\n", args[0])
		return
	}
	l, err := lessons.Find(n)
	if err != nil {
		r.pr.errorf("error: %v\n", err)
		return
	}
	r.startLesson(ctx, l)
}

// startLesson starts lesson l, or resumes it where the progress file
// says the student stopped, replaying the reference solutions of the
// steps done so that the processes they made exist again.
func (r *repl) startLesson(ctx context.Context, l *lessons.Lesson) {
	r.stopLesson(ctx, false)
	r.tour.root = lessons.IsRoot(ctx, r.cfg.Host)
	if l.Root && !r.tour.root {
		r.pr.errorf("Lesson %d (%s) needs root: run sudo alsh learn %d,\n"+
			"or alsh --exec \"sudo -n\" learn %d to run only the process tree as root.\n",
			l.Number, l.Title, l.Number, l.Number)
		return
	}
	r.pr.printf("%s", l.Intro())
	r.muted = true
	made, err := l.RunSetup(ctx, r.interp)
	r.muted = false
	if err != nil {
		r.pr.errorf("error: %v\n", err)
		return
	}
	r.tour.lesson, r.tour.made, r.tour.step = l, made, 0
	for _, name := range l.Mentioned(made) {
		r.pr.printf("Prepared for this lesson: $%s = %s\n", name, builtins.Format(made[name]))
	}
	done := r.tour.progress.Done(l)
	if done >= len(l.Steps) {
		done = 0
	}
	if done > 0 {
		r.pr.printf("Resuming at step %d; replaying the solutions of the steps before it:\n", done+1)
		for i := range done {
			if !r.replay(ctx, l.Steps[i]) {
				r.pr.errorf("Replaying failed: learn %d again, or skip ahead with skip.\n", l.Number)
				break
			}
			r.tour.step = i + 1
		}
	}
	r.showStep(ctx)
}

// replay runs a step's reference solution as if typed, and says whether
// every line succeeded.
func (r *repl) replay(ctx context.Context, s *lessons.Step) bool {
	if s.Root && !r.tour.root {
		return true
	}
	for _, line := range s.Show {
		r.pr.printf("alsh> %s\n", line)
		prog, err := lang.Parse("", line)
		if err != nil {
			r.showParseError(line, err)
			return false
		}
		if _, done := r.runEntry(ctx, line, prog); done || r.entryErr != nil {
			return false
		}
	}
	return true
}

// showStep shows the current step, skips one that needs root when the
// tree runs without it, and ends the lesson after its last step.
func (r *repl) showStep(ctx context.Context) {
	t := r.tour
	for t.step < len(t.lesson.Steps) && t.lesson.Steps[t.step].Root && !t.root {
		r.pr.printf("%s", t.lesson.Render(t.step))
		r.pr.printf("This step needs root (sudo alsh learn %d): skipped.\n", t.lesson.Number)
		t.step++
	}
	if t.step < len(t.lesson.Steps) {
		r.pr.printf("%s", t.lesson.Render(t.step))
		return
	}
	r.saveProgress(len(t.lesson.Steps))
	n := t.lesson.Number
	r.pr.printf("Lesson %d done.", n)
	if next := lessons.Next(n); next != nil {
		r.pr.printf(" Next: learn %d", next.Number)
	}
	r.pr.printf("\n")
	r.stopLesson(ctx, false)
}

func (r *repl) currentStep() *lessons.Step { return r.tour.lesson.Steps[r.tour.step] }

// afterEntry checks the step after each entry the student ran: done
// moves on; not done says why, if the entry made a call and did not
// fail (a failure has said why; help or an assignment changed nothing).
func (r *repl) afterEntry(ctx context.Context, callsBefore int) {
	if r.tour.lesson != nil {
		r.checkStep(ctx, r.entryErr == nil && r.host.calls > callsBefore)
	}
}

// checkStep checks the current step; verbose says why it is not done.
func (r *repl) checkStep(ctx context.Context, verbose bool) {
	t := r.tour
	checkCtx, cancel := context.WithCancel(ctx)
	stop := r.cancelOnInterrupt(cancel) // a check that settles may wait a while
	err := t.lesson.Check(checkCtx, r.cfg.Host, t.step, lessons.Vars(r.interp))
	stop()
	cancel()
	switch {
	case err == nil:
		r.pr.printf("✓ Step %d done.\n", t.step+1)
		t.step++
		r.saveProgress(t.step)
		r.showStep(ctx)
	case errors.Is(err, context.Canceled):
		r.pr.errorf("interrupted\n")
	case verbose:
		r.pr.printf("not yet: %s\n  (hint for a hint, show for the solution, skip to move on)\n", firstLine(err.Error()))
	}
}

// skipStep runs the step's solution, so that the next step finds what
// it expects, and moves on.
func (r *repl) skipStep(ctx context.Context) {
	if !r.replay(ctx, r.currentStep()) {
		r.pr.errorf("The solution failed here; the next step may not find what it needs.\n")
	}
	r.tour.step++
	r.saveProgress(r.tour.step)
	r.showStep(ctx)
}

func (r *repl) saveProgress(n int) {
	if err := r.tour.progress.Set(r.tour.lesson, n); err != nil {
		r.pr.errorf("alsh: saving lesson progress: %v\n", err)
	}
}

// stopLesson leaves the lesson (its progress is saved as steps are
// done) and undoes its setup.
func (r *repl) stopLesson(ctx context.Context, say bool) {
	t := r.tour
	if t == nil || t.lesson == nil {
		return
	}
	if say {
		r.pr.printf("Left lesson %d at step %d; learn %d resumes it.\n", t.lesson.Number, t.step+1, t.lesson.Number)
	}
	if err := t.lesson.RunCleanup(ctx, r.cfg.Host, t.made); err != nil {
		r.pr.errorf("alsh: cleaning up lesson %d: %v\n", t.lesson.Number, err)
	}
	t.lesson, t.made = nil, nil
}

// isProc says whether the student defined a procedure of that name,
// which then takes precedence over the tour's command.
func (r *repl) isProc(name string) bool { return slices.Contains(r.interp.Procs(), name) }

func indentLines(first string, lines []string) string {
	var b strings.Builder
	pad := strings.Repeat(" ", len(first))
	for i, l := range lines {
		if i == 0 {
			b.WriteString(first + l + "\n")
		} else {
			b.WriteString(pad + l + "\n")
		}
	}
	return b.String()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// runStart runs the entry the REPL was started with (alsh learn N).
func (r *repl) runStart(ctx context.Context) {
	if fields := strings.Fields(r.cfg.Start); len(fields) > 0 {
		if !r.tourCommand(ctx, fields) {
			r.pr.errorf("alsh: unknown start command %q\n", r.cfg.Start)
		}
	}
}

// tourWords are the tour's commands, for completion: learn, and inside
// a lesson its own commands.
func (r *repl) tourWords() []string {
	if r.inLesson() {
		return []string{"learn", "hint", "show", "skip", "step", "check", "stop"}
	}
	return []string{"learn"}
}

// inLesson says whether the student is in a lesson, where failed calls
// say why they failed.
func (r *repl) inLesson() bool { return r.tour != nil && r.tour.lesson != nil }

// mutable is a writer that drops what it is given while *muted.
type mutable struct {
	w     io.Writer
	muted *bool
}

func (m mutable) Write(b []byte) (int, error) {
	if *m.muted {
		return len(b), nil
	}
	return m.w.Write(b)
}
