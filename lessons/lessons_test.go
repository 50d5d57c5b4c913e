package lessons

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang"
)

// needsRoot are the lessons that say root yes: chroot, namespaces,
// mounts, cgroups, capabilities and the sandbox built from them.
var needsRoot = map[int]bool{7: true, 8: true, 9: true, 10: true, 11: true, 14: true}

// TestLessonsComeInTheTourOrder checks the written lessons and the
// planned ones against the order the tour promises.
func TestLessonsComeInTheTourOrder(t *testing.T) {
	want := []string{"processes and pipelines", "exec and stdio", "signals and events",
		"resource limits", "credentials", "files and descriptors",
		"chroot, and why it is not a jail", "namespaces one by one", "mounts and pivot_root"}
	want = append(want[:9], "cgroups", "capabilities", "seccomp", "landlock", "the seed's sandbox",
		"batches: many calls, one wait")
	titles := map[int]string{}
	for _, l := range All() {
		titles[l.Number] = l.Title
		if l.Root != needsRoot[l.Number] {
			t.Errorf("lesson %d (%s): root %v; only 7 to 11 and 14 need root", l.Number, l.Title, l.Root)
		}
	}
	for _, p := range PlannedLessons() {
		if titles[p.Number] != "" {
			t.Errorf("lesson %d is both written and planned", p.Number)
		}
		titles[p.Number] = p.Title
		if _, err := Find(p.Number); err == nil || !strings.Contains(err.Error(), "not yet available") {
			t.Errorf("Find(%d) = %v; want a lesson not yet available", p.Number, err)
		}
	}
	var got []string
	for n := 1; n <= len(titles); n++ {
		got = append(got, titles[n])
	}
	if !slices.Equal(got, want) {
		t.Errorf("lessons %q\nwant %q", got, want)
	}
	if _, err := Find(99); err == nil || !strings.Contains(err.Error(), "no lesson 99") {
		t.Errorf("Find(99) = %v", err)
	}
}

// TestPlannedLessonsAreListed checks that a lesson whose calls alsh
// lacks is listed as not yet available and refuses to start (there are
// none today; a future lesson may be).
func TestPlannedLessonsAreListed(t *testing.T) {
	saved := planned
	t.Cleanup(func() { planned = saved })
	planned = []Planned{{16, "io_uring", "the io_uring calls"}}
	p, _ := LoadProgress("")
	index := Index(p)
	if !regexp.MustCompile(`(?m)^  16  io_uring +not yet available$`).MatchString(index) {
		t.Errorf("index:\n%s", index)
	}
	if _, err := Find(16); err == nil || err.Error() != "lesson 16 (io_uring) is not yet available: it needs the io_uring calls" {
		t.Errorf("Find(16) = %v", err)
	}
	if _, err := Find(17); err == nil || !strings.Contains(err.Error(), "there are lessons 1 to 16") {
		t.Errorf("Find(17) = %v", err)
	}
}

// TestTourFitsIn80x24 checks every screen the tour prints: no line
// wider than 79 columns, and a step short enough to leave room on a
// 24-line terminal for the student's lines.
func TestTourFitsIn80x24(t *testing.T) {
	p, _ := LoadProgress("")
	screens := map[string]string{"index": Index(p)}
	for _, l := range All() {
		screens[l.ID+" intro"] = l.Intro()
		for i := range l.Steps {
			screens[l.ID+" step "+string(rune('1'+i))] = l.Render(i)
		}
	}
	for name, text := range screens {
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		for _, line := range lines {
			if n := len([]rune(line)); n >= Width {
				t.Errorf("%s: line of %d columns: %q", name, n, line)
			}
		}
		if name != "index" && len(lines) > 12 {
			t.Errorf("%s: %d lines, more than 12", name, len(lines))
		}
		if name == "index" && len(lines) > 20 {
			t.Errorf("index: %d lines", len(lines))
		}
	}
}

// TestLessonCodeParses parses every line of alsh a lesson holds, so a
// typo fails here rather than in front of a student.
func TestLessonCodeParses(t *testing.T) {
	for _, l := range All() {
		var code []string
		code = append(code, l.Setup...)
		code = append(code, l.Cleanup...)
		code = append(code, l.Helpers...)
		for _, s := range l.Steps {
			code = append(code, s.Show...)
			for _, c := range s.Checks {
				code = append(code, "expect "+c)
			}
		}
		for _, line := range code {
			if _, err := lang.Parse(l.ID, line); err != nil {
				t.Errorf("%s: %q: %v", l.ID, line, err)
			}
		}
	}
}

// callWord finds the calls in a line: a name followed by a pipeline.
var callWord = regexp.MustCompile(`\b([a-z_0-9]+) \[`)

// TestLessonCallsTeach checks that every call a lesson's solutions make
// is in its calls line, and that alsh can say why each fails.
func TestLessonCallsTeach(t *testing.T) {
	for _, l := range All() {
		var lines []string
		lines = append(lines, l.Setup...)
		for _, s := range l.Steps {
			lines = append(lines, s.Show...)
		}
		for _, line := range lines {
			for _, m := range callWord.FindAllStringSubmatchIndex(line, -1) {
				name := line[m[2]:m[3]]
				if strings.HasSuffix(line[:m[0]], "wait ") { // wait stdout [$c]: a builtin
					continue
				}
				if _, ok := builtins.Lookup(name); ok && !slices.Contains(l.Calls, name) {
					t.Errorf("%s: %q calls %s, which its calls line lacks", l.ID, line, name)
				}
			}
		}
		for _, c := range l.Calls {
			if _, ok := builtins.ErrnoCauses(c); !ok {
				if tc, _ := builtins.Lookup(c); tc.Where == builtins.OnNode {
					t.Errorf("%s: no errno causes for %s", l.ID, c)
				}
			}
		}
	}
}

// TestParseRefusesIncompleteLessons checks that Parse names what is
// missing or wrong.
func TestParseRefusesIncompleteLessons(t *testing.T) {
	step := "step s\nman fork(2)\n| text\ntask t\ncheck 1 == 1\nhint h\nshow fork []\n"
	head := "title t\nteaches x\n"
	cases := map[string]string{
		"title t\n" + step: "no teaches line",
		head:               "no steps",
		head + strings.Replace(step, "man fork(2)\n", "", 1):                                             "no man page",
		head + strings.Replace(step, "check 1 == 1\n", "", 1):                                            "no check",
		head + strings.Replace(step, "show fork []\n", "", 1):                                            "no reference solution",
		head + "colour blue\n" + step:                                                                    `unknown keyword "colour"`,
		head + "calls frobnicate\n" + step:                                                               "no call frobnicate",
		head + "| early\n" + step:                                                                        "text before the first step",
		head + step + strings.Replace(step, "step s", "step t", 1) + "root yes\n":                        "",
		head + step + "root yes\n" + strings.Replace(step, "step s", "step t", 1) + "root maybe\n":       "root: a step says root yes",
		head + step + "root yes\nstep u\nman fork(2)\n| t\ntask t\ncheck 1 == 1\nhint h\nshow fork []\n": "a step for anyone after one that needs root",
	}
	for src, want := range cases {
		_, err := Parse("x.lesson", src)
		switch {
		case want == "" && err != nil:
			t.Errorf("Parse(%q): %v", src, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("Parse(%q) = %v; want an error holding %q", src, err, want)
		}
	}
}

// TestProgressSurvivesARestart saves progress and reads it back.
func TestProgressSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alsh", "lessons")
	p, err := LoadProgress(path)
	if err != nil {
		t.Fatal(err)
	}
	l := All()[0]
	if p.Status(l) != "" {
		t.Fatalf("fresh progress: %q", p.Status(l))
	}
	if err := p.Set(l, 2); err != nil {
		t.Fatal(err)
	}
	q, err := LoadProgress(path)
	if err != nil {
		t.Fatal(err)
	}
	if q.Done(l) != 2 || q.Status(l) != "2/4 steps" {
		t.Fatalf("reloaded: done %d, status %q", q.Done(l), q.Status(l))
	}
	q.Set(l, len(l.Steps))
	if q.Status(l) != "done" {
		t.Fatalf("status %q, want done", q.Status(l))
	}
	if got := ProgressPath(func(k string) string { return map[string]string{"HOME": "/home/s"}[k] }); got != "/home/s/.local/state/alsh/lessons" {
		t.Errorf("ProgressPath without XDG_STATE_HOME = %q", got)
	}
}
