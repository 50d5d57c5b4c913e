package lessons_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alsh/alsh/engine"
	"github.com/alsh/alsh/lessons"
)

// unprivilegedChild makes the test binary verify the lessons for anyone
// (it runs as nobody) instead of running the tests.
const unprivilegedChild = "ALSH_LESSONS_UNPRIVILEGED_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(unprivilegedChild) == "1" {
		os.Exit(verifyForAnyone())
	}
	os.Exit(m.Run())
}

// privileged skips a test that needs root, unless CI requires it
// (ALSH_REQUIRE_PRIVILEGED=1), where the skip is a failure.
func privileged(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("ALSH_REQUIRE_PRIVILEGED") == "1" {
		t.Fatal("needs root, and ALSH_REQUIRE_PRIVILEGED=1")
	}
	t.Skip("needs root")
}

// verify runs one lesson on a tree of its own, as alsh learn --check
// does.
func verify(l *lessons.Lesson, log io.Writer) error {
	ctx := context.Background()
	eng, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		return err
	}
	defer eng.Close()
	return lessons.Verify(ctx, eng, l, log)
}

// TestEveryLessonAsRoot runs every lesson with its reference solutions.
// Verify also runs each step's check before its solution and fails if
// the check already passes there: no step is done before it is done.
func TestEveryLessonAsRoot(t *testing.T) {
	privileged(t)
	for _, l := range lessons.All() {
		t.Run(l.ID, func(t *testing.T) {
			before := present()
			var log bytes.Buffer
			if err := verify(l, &log); err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			if strings.Contains(log.String(), "skipped") {
				t.Fatalf("a step was skipped as root:\n%s", log.String())
			}
			checkNothingLeft(t, before)
		})
	}
}

// checkNothingLeft checks that no lesson leaves a directory, a cgroup
// or a mount of its own behind. before is what was there when the lesson
// started. Another test binary may be running lessons at the same time
// (cmd/alsh's learn --check), so what is new must stay for a while to
// count as left behind: a lesson's own things go when it ends.
func checkNothingLeft(t *testing.T, before map[string]bool) {
	t.Helper()
	var left []string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		left = left[:0]
		for _, p := range lessonLeftovers() {
			if !before[p] {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err == nil && strings.Contains(string(mounts), "/tmp/alsh-") {
		t.Errorf("a lesson's mount is left on the host:\n%s", mounts)
	}
}

// lessonLeftovers lists the directories and cgroups lessons make.
func lessonLeftovers() []string {
	var found []string
	for _, pattern := range []string{"/tmp/alsh-jail-*", "/tmp/alsh-mnt-*", "/tmp/alsh-root-*", "/tmp/alsh-box-*"} {
		m, _ := filepath.Glob(pattern)
		found = append(found, m...)
	}
	return append(found, lessonCgroups()...)
}

// present is the set of what lessonLeftovers lists now.
func present() map[string]bool {
	set := map[string]bool{}
	for _, p := range lessonLeftovers() {
		set[p] = true
	}
	return set
}

// lessonCgroups finds the cgroups the lessons make (alsh-lesson-N),
// under any hierarchy, within a few levels of /sys/fs/cgroup: a lesson's
// cgroup sits below the test's own cgroup, which may be nested.
func lessonCgroups() []string {
	var found []string
	filepath.WalkDir("/sys/fs/cgroup", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil || !d.IsDir():
			return nil
		case strings.HasPrefix(d.Name(), "alsh-lesson-"):
			found = append(found, path)
			return fs.SkipDir
		case strings.Count(path, "/") > 7:
			return fs.SkipDir
		}
		return nil
	})
	return found
}

// TestLessonsForAnyoneAsNobody runs the lessons that need no root as
// user nobody (setpriv, from util-linux): the test binary is copied where
// nobody may run it, and runs them there. Their root steps must say they
// were skipped, and every other step pass.
func TestLessonsForAnyoneAsNobody(t *testing.T) {
	privileged(t)
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("setpriv (util-linux) is needed to drop to nobody: %v", err)
	}
	bin := copyForNobody(t)
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin)
	cmd.Env = append(os.Environ(), unprivilegedChild+"=1")
	cmd.Dir = filepath.Dir(bin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	for _, l := range lessons.All() {
		if !l.Root && !strings.Contains(string(out), fmt.Sprintf("lesson %d ok", l.Number)) {
			t.Errorf("lesson %d (%s) did not pass as nobody:\n%s", l.Number, l.Title, out)
		}
	}
	if !strings.Contains(string(out), "step 3 skipped (needs root): groups") {
		t.Errorf("lesson 5's root steps were not skipped as nobody:\n%s", out)
	}
}

// copyForNobody copies the test binary into a directory nobody may
// enter, as nodes are the binary run again.
func copyForNobody(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "alsh-lessons-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "lessons.test")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// verifyForAnyone is the child of TestLessonsForAnyoneAsNobody.
func verifyForAnyone() int {
	if os.Geteuid() == 0 {
		fmt.Println("the child runs as root; it should be nobody")
		return 1
	}
	status := 0
	for _, l := range lessons.All() {
		if l.Root {
			continue
		}
		if err := verify(l, os.Stdout); err != nil {
			fmt.Printf("lesson %d FAIL: %v\n", l.Number, err)
			status = 1
			continue
		}
		fmt.Printf("lesson %d ok\n", l.Number)
	}
	return status
}

// TestVerifyFindsDefects checks that Verify fails a lesson whose check
// passes before its step, and one whose solution does not do the task:
// the lesson tests can fail.
func TestVerifyFindsDefects(t *testing.T) {
	head := "title t\nteaches x\ncalls fork\nstep s\nman fork(2)\n| text\ntask t\nhint h\n"
	cases := map[string]string{
		head + "check 1 == 1\nshow $c = fork []\n":                          "the check passes before the step is done",
		head + "check (getppid [$c]) == 12345678\nshow $c = fork []\n":      "the check fails after the reference solution",
		head + "check (getppid [$c]) == (getpid [])\nshow $c = fork [99]\n": `reference solution "$c = fork [99]"`,
	}
	for src, want := range cases {
		l, err := lessons.Parse("defect.lesson", src)
		if err != nil {
			t.Fatal(err)
		}
		if err := verify(l, io.Discard); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Verify(%q) = %v; want an error holding %q", src, err, want)
		}
	}
}
