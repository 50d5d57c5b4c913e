package repl_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang/langtest"
	"github.com/alsh/alsh/repl"
)

// fakeHost is the language's fake process tree, as a REPL Host.
type fakeHost struct{ *langtest.Host }

func (fakeHost) Watch(func(builtins.Message)) {}

// runFake runs the REPL over a fake tree with the lines of input, after
// the start command, and returns what it wrote.
func runFake(t *testing.T, h *langtest.Host, start, input string) (stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	repl.Run(context.Background(), repl.Config{Host: fakeHost{h}, Start: start,
		Stdin: io.NopCloser(strings.NewReader(input)), Stdout: &out, Stderr: &errw,
		HistoryFile: "-", Getenv: func(string) string { return "" },
		Terminal: func() bool { return false }})
	return out.String(), errw.String()
}

// TestRootLessonSaysHowWithoutRoot starts a lesson that needs root in a
// tree whose root node is not root: it says so, and how to get root.
func TestRootLessonSaysHowWithoutRoot(t *testing.T) {
	h := langtest.New()
	h.Reply("geteuid", langtest.Reply{Value: int64(1000)})
	_, stderr := runFake(t, h, "learn 7", "")
	for _, want := range []string{"Lesson 7 (chroot, and why it is not a jail) needs root",
		"sudo alsh learn 7", `alsh --exec "sudo -n" learn 7`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("no %q in:\n%s", want, stderr)
		}
	}
}

// TestRootStepsSkippedWithoutRoot walks lesson 5 without root: its two
// root steps are shown, and skipped, and the lesson ends.
func TestRootStepsSkippedWithoutRoot(t *testing.T) {
	h := langtest.New()
	h.Reply("geteuid", langtest.Reply{Value: int64(1000)})
	stdout, _ := runFake(t, h, "learn 5", "skip\nskip\n")
	for _, want := range []string{"step 3/4: groups", "This step needs root (sudo alsh learn 5): skipped.",
		"step 4/4: the one-way door", "Lesson 5 done. Next: learn 6"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("no %q in:\n%s", want, stdout)
		}
	}
}

// TestLearnListsEveryLesson checks that the list holds the whole tour,
// every lesson written, and that a number past it is refused.
func TestLearnListsEveryLesson(t *testing.T) {
	stdout, stderr := runFake(t, langtest.New(), "learn", "learn 16\n")
	for _, want := range []string{"10  cgroups", "11  capabilities", "13  landlock", "14  the seed's sandbox", "15  batches"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("no %q in the list:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "not yet available") {
		t.Errorf("a lesson is listed as not yet available:\n%s", stdout)
	}
	if !strings.Contains(stderr, "no lesson 16: there are lessons 1 to 15") {
		t.Errorf("learn 16:\n%s", stderr)
	}
}
