package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/alsh/alsh/engine"
	"github.com/rogpeppe/go-internal/testscript"
)

var updateScripts = flag.Bool("u", false, "rewrite testscript files with the actual output")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"alsh": main})
}

// TestScripts runs cmd/alsh/testdata/script/*.txtar against the real
// engine. Conditions [privileged] (root) and [busybox] skip scripts that
// need them; with ALSH_REQUIRE_PRIVILEGED=1 such a skip is a failure.
func TestScripts(t *testing.T) {
	requireStatic(t)
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *updateScripts,
		Setup: func(env *testscript.Env) error {
			env.Setenv("REPO", repo)
			return nil
		},
		Condition: condition,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"jail": cmdJail, "gone": cmdGone,
			"boxcmp": cmdBoxCmp, "seccomp-deny-mkdir": cmdSeccompDenyMkdir,
			"unmarked": cmdUnmarked, "nobody-copy": cmdNobodyCopy},
	})
}

// condition answers [privileged], [busybox], [bwrap], [race] (a race
// build: raceBuild) and [static] (see bootsInNewRoot). Any other name is an
// error, so that a misspelt condition cannot skip a script unnoticed
// (testscript's own [exec:PROG] looks programs up).
func condition(cond string) (bool, error) {
	required := os.Getenv("ALSH_REQUIRE_PRIVILEGED") == "1"
	switch cond {
	case "privileged":
		ok := os.Geteuid() == 0
		if !ok && required {
			panic("ALSH_REQUIRE_PRIVILEGED=1 but not root: privileged scripts would be skipped")
		}
		return ok, nil
	case "busybox":
		_, err := os.Stat(busybox)
		if err != nil && required {
			panic("ALSH_REQUIRE_PRIVILEGED=1 but " + busybox + " is missing (apt-get install busybox-static)")
		}
		return err == nil, nil
	case "static":
		ok := bootsInNewRoot()
		if !ok && required {
			panic(notStatic)
		}
		return ok, nil
	case "race":
		return raceBuild, nil
	case "bwrap":
		_, err := exec.LookPath("bwrap")
		if err != nil && required {
			panic("ALSH_REQUIRE_PRIVILEGED=1 but bwrap is missing (apt-get install bubblewrap)")
		}
		return err == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// notStatic says why a test that builds a new root needs a static test
// binary: alsh runs as the test binary, and a node booting in a new root
// finds no ELF interpreter there.
const notStatic = "the test binary is linked dynamically (cgo): its nodes cannot start in a sandbox's new root; " +
	"build it with CGO_ENABLED=0, as make test does"

// bootsInNewRoot says whether the test binary's nodes can boot inside a
// sandbox's new root: a static binary can; a dynamic one (cgo) cannot,
// unless it is a race build, whose nodes boot at their fork, before the
// new root is made.
func bootsInNewRoot() bool {
	return raceBuild || engine.Interpreter() == ""
}

// busybox is the static busybox of Debian's busybox-static package.
const busybox = "/bin/busybox"

// cmdJail builds a chroot jail in DIR holding a static busybox at /busybox.
func cmdJail(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: jail DIR")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	data, err := os.ReadFile(busybox)
	ts.Check(err)
	ts.Check(os.WriteFile(filepath.Join(dir, "busybox"), data, 0o755))
}

// cmdGone checks that none of the pids in the last command's stdout is
// still alive: alsh leaves no process behind.
func cmdGone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: gone")
	}
	pids := regexp.MustCompile(`\b[0-9]+\b`).FindAllString(ts.ReadFile("stdout"), -1)
	if len(pids) == 0 {
		ts.Fatalf("gone: no pids in stdout")
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for {
			if _, err := os.Stat(fmt.Sprintf("/proc/%s", pid)); err != nil {
				break
			}
			if time.Now().After(deadline) {
				ts.Fatalf("gone: process %s is still alive", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
