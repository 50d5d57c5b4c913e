package main

import (
	"debug/elf"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

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

// condition answers [privileged], [busybox], [bwrap] and [race] (a race
// build: raceBuild). Any other name is an
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

// requireStatic: the scripts start nodes in jails and new roots that lack
// an ELF interpreter, where a dynamically linked alsh (this test binary
// built with cgo on, Go's default where it finds a C compiler) cannot
// boot one. Such a build fails under ALSH_REQUIRE_PRIVILEGED=1, else
// skips, and says how to build. A race build, dynamic by necessity,
// skips those scripts one by one ([race]).
func requireStatic(t *testing.T) {
	t.Helper()
	if raceBuild {
		return
	}
	f, err := elf.Open("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		msg := "the test binary is linked dynamically (cgo on, Go's default where a C compiler is found): its nodes cannot boot in a jail; run the tests with CGO_ENABLED=0, as make does"
		if os.Getenv("ALSH_REQUIRE_PRIVILEGED") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}
