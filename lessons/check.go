package lessons

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang"
)

// settlePoll is how often a settling check is tried again.
const settlePoll = 20 * time.Millisecond

// Check says whether step i is done: it evaluates every check, with
// the student's variables, on a fresh interpreter over host, so that the
// check defines nothing in the student's session. A failing check is
// tried again for up to Settle ms. The error says what did not hold.
func (l *Lesson) Check(ctx context.Context, host lang.Host, i int, vars map[string]any) error {
	s := l.Steps[i]
	deadline := time.Now().Add(time.Duration(s.Settle) * time.Millisecond)
	for {
		err := l.checkOnce(ctx, host, i, vars)
		if err == nil || !time.Now().Before(deadline) || ctx.Err() != nil {
			return err
		}
		select {
		case <-time.After(settlePoll):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (l *Lesson) checkOnce(ctx context.Context, host lang.Host, i int, vars map[string]any) error {
	var conds strings.Builder
	for _, h := range l.Helpers {
		conds.WriteString(h + "\n")
	}
	for _, c := range l.Steps[i].Checks {
		conds.WriteString("expect " + c + "\n")
	}
	return runWith(ctx, host, vars, conds.String())
}

// runWith runs src on a fresh interpreter that starts with vars defined.
func runWith(ctx context.Context, host lang.Host, vars map[string]any, src string) error {
	prog, err := lang.Parse("check", prelude(vars)+src)
	if err != nil {
		return fmt.Errorf("the lesson's own code does not parse: %v", err)
	}
	return plain(lang.New(host, lang.Options{}).Run(ctx, prog))
}

// prelude assigns vars in alsh, each value written as alsh prints it
// (which parses back). A value that would not is left out.
func prelude(vars map[string]any) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		if name == "args" {
			continue
		}
		line := "$" + name + " = " + builtins.Format(vars[name]) + "\n"
		if _, err := lang.Parse("var", line); err == nil {
			b.WriteString(line)
		}
	}
	return b.String()
}

// plain drops the position from a language error: it points into code
// the student never saw.
func plain(err error) error {
	if le, ok := errors.AsType[*lang.Error](err); ok {
		return errors.New(le.Msg)
	}
	return err
}

// Vars returns an interpreter's global variables.
func Vars(in *lang.Interp) map[string]any {
	vars := map[string]any{}
	for _, name := range in.Vars() {
		vars[name], _ = in.Var(name)
	}
	return vars
}

// RunLine runs one line of a lesson (a solution, a setup) in the
// student's interpreter.
func RunLine(ctx context.Context, in *lang.Interp, line string) error {
	prog, err := lang.Parse("", line)
	if err != nil {
		return err
	}
	return in.Run(ctx, prog)
}

// RunCleanup undoes what the lesson's setup made (a jail directory). It
// runs with the variables the setup defined, as the setup left them, so
// that a student's later assignment cannot redirect it.
func (l *Lesson) RunCleanup(ctx context.Context, host lang.Host, setupVars map[string]any) error {
	if len(l.Cleanup) == 0 {
		return nil
	}
	return runWith(ctx, host, setupVars, strings.Join(l.Cleanup, "\n")+"\n")
}

// RunSetup runs the lesson's setup in the student's interpreter and
// returns the variables it defined, for RunCleanup.
func (l *Lesson) RunSetup(ctx context.Context, in *lang.Interp) (map[string]any, error) {
	before := Vars(in)
	for _, line := range l.Setup {
		if err := RunLine(ctx, in, line); err != nil {
			return nil, fmt.Errorf("preparing the lesson: %s: %v", line, plain(err))
		}
	}
	made := map[string]any{}
	for name, v := range Vars(in) {
		if _, had := before[name]; !had {
			made[name] = v
		}
	}
	return made, nil
}

// Verify runs lesson l as its own test, non-interactively, on host: the
// setup, then for each step the check, which must fail (a step whose
// check passes before the student does anything is a defect), the
// reference solution, and the check again, which must pass. It says on
// log what it does.
func Verify(ctx context.Context, host lang.Host, l *Lesson, log io.Writer) (err error) {
	in := lang.New(host, lang.Options{})
	made, err := l.RunSetup(ctx, in)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := l.RunCleanup(ctx, host, made); cerr != nil && err == nil {
			err = fmt.Errorf("cleaning up: %v", cerr)
		}
	}()
	root := IsRoot(ctx, host)
	for i, s := range l.Steps {
		if s.Root && !root {
			fmt.Fprintf(log, "  step %d skipped (needs root): %s\n", i+1, s.Title)
			continue
		}
		if err := l.verifyStep(ctx, host, in, i); err != nil {
			return fmt.Errorf("step %d (%s): %v", i+1, s.Title, err)
		}
		fmt.Fprintf(log, "  step %d ok: %s\n", i+1, s.Title)
	}
	return nil
}

func (l *Lesson) verifyStep(ctx context.Context, host lang.Host, in *lang.Interp, i int) error {
	s := l.Steps[i]
	if l.checkOnce(ctx, host, i, Vars(in)) == nil {
		return fmt.Errorf("the check passes before the step is done")
	}
	for _, line := range s.Show {
		if err := RunLine(ctx, in, line); err != nil {
			return fmt.Errorf("reference solution %q: %v", line, plain(err))
		}
	}
	if err := l.Check(ctx, host, i, Vars(in)); err != nil {
		return fmt.Errorf("the check fails after the reference solution: %v", err)
	}
	return nil
}

// IsRoot says whether the tree's root node runs as root, which the
// lessons that say root yes need.
func IsRoot(ctx context.Context, host lang.Host) bool {
	uid, err := host.Call(ctx, []int{}, "geteuid", nil)
	return err == nil && uid == int64(0)
}
