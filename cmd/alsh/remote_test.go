package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alsh/alsh/internal/sshtest"
)

// alshCommand runs this test binary as alsh (TestMain's command map
// answers to the name alsh).
func alshCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "alsh")
	if err := os.Symlink(self, link); err != nil {
		t.Fatal(err)
	}
	return exec.Command(link, args...)
}

func TestHostFlagRunsTheScriptOnTheHost(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	cmd := alshCommand(t, "--host", "box1", "-c", `gethostname []`)
	cmd.Env = append(os.Environ(), "ALSH_SSH_COMMAND="+ssh)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != `"box1"` {
		t.Fatalf("alsh --host box1 -c 'gethostname []': %v: %q", err, out)
	}
}

func TestKillNineOfAlshLeavesNothingOnTheHost(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	script := `$c = fork []
execvp [$c] "/bin/sh" ["sh" "-c" "setsid sleep 7792 & exec sleep 7791"]
wait exit [$c] 60000`
	cmd := alshCommand(t, "--host", "box1", "-c", script)
	var stderr bytes.Buffer
	cmd.Env = append(os.Environ(), "ALSH_SSH_COMMAND="+ssh)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	deadline := time.Now().Add(15 * time.Second)
	for pgrep("^sleep 7792$") == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the remote programs never started: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(os.Kill)
	deadline = time.Now().Add(time.Second)
	for pgrep("^sleep 779[12]$") != "" {
		if time.Now().After(deadline) {
			t.Fatalf("1 s after kill -9 of alsh, still running on the host: %s", pgrep("^sleep 779[12]$"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func pgrep(pattern string) string {
	out, _ := exec.Command("pgrep", "-af", pattern).Output()
	return strings.TrimSpace(string(out))
}

// TestHostInTheLanguage: a loop names three hosts, which connect in
// parallel (each ssh waits at a barrier until all three started, so
// connections one after the other would fail), then runs a program on
// each.
func TestHostInTheLanguage(t *testing.T) {
	ssh := sshtest.Barrier(t, 3, sshtest.Hosts(t, "box1", "box2", "box3"))
	script := `$hosts = []
for $name in ["box1" "box2" "box3"] {
	$hosts = $hosts + [(host $name)]
}
for $b in $hosts {
	$c = fork [$b]
	execvp [$b $c] "/bin/sh" ["sh" "-c" "echo from \$(hostname) > /tmp/f; cat /tmp/f"]
	expect (wait exit [$b $c] 5000) == {exit_status: 0}
	print $b.host (gethostname [$b]) (trim (stdout [$b $c] 1000))
}
print "local" (len (gethostname []))
`
	cmd := alshCommand(t, script)
	cmd.Args = append(cmd.Args[:1], "-c", script)
	cmd.Env = append(os.Environ(), "ALSH_SSH_COMMAND="+ssh)
	out, err := cmd.CombinedOutput()
	want := "box1 box1 from box1\nbox2 box2 from box2\nbox3 box3 from box3\nlocal"
	if err != nil || !strings.HasPrefix(strings.TrimSpace(string(out)), want) {
		t.Fatalf("alsh -c with host: %v:\n%s\nwant it to begin with:\n%s", err, out, want)
	}
}
