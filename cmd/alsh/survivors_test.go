package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stubborn ignores SIGTERM and SIGHUP and double-forks: its grandchild
// (sleep 999) is reparented when the subshell's parent goes, and outside a
// pid namespace nothing but a subreaper keeps it in the tree.
const stubborn = `trap '' TERM HUP; (trap '' TERM HUP; exec sleep 999) & exec sleep 998`

// survivorsScript makes 100 live nodes: ten exec the stubborn program,
// the others stay nodes, half of them booted (getopt is not a proto-node
// call), half proto-nodes. It prints ready once every program has started
// its grandchild; tail follows.
func survivorsScript(tail string) string {
	return `setopt [] maxchild 200
for $i in range 100 {
	$c = fork []
	if $i % 10 == 0 {
		execvp [$c] "/bin/sh" ["sh" "-c" "` + stubborn + `"]
	} else if $i % 2 == 0 {
		getopt [$c] maxchild
	}
}
print "ready"
` + tail
}

// markedTree runs alsh on script with a unique variable in its
// environment, which every node and program of its tree inherits, and
// waits until want processes carry it besides alsh.
func markedTree(t *testing.T, script string, want int) (*exec.Cmd, string) {
	t.Helper()
	requirePrivileged(t) // maxchild 200 and 100 processes
	alsh, err := exec.LookPath("alsh")
	if err != nil {
		t.Fatal(err)
	}
	mark := fmt.Sprintf("ALSH_SURVIVOR_MARK=%d-%d", os.Getpid(), time.Now().UnixNano())
	cmd := exec.Command(alsh, "-c", script)
	cmd.Env = append(os.Environ(), mark)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killMarked(mark); cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("alsh said %q (%v), want ready", line, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for n := len(markedPids(mark, cmd.Process.Pid)); n < want; n = len(markedPids(mark, cmd.Process.Pid)) {
		if time.Now().After(deadline) {
			t.Fatalf("%d marked processes, want %d", n, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cmd, mark
}

// liveMarked: 90 nodes, and two programs for each of the ten stubborn ones.
const liveMarked = 90 + 2*10

// markedPids lists the processes other than except whose environment holds
// mark (a zombie's environment reads empty: it counts as gone).
func markedPids(mark string, except int) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == except {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "environ"))
		if err == nil && bytes.Contains(env, []byte(mark+"\x00")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killMarked cleans up after a failed test, so that it leaves nothing.
func killMarked(mark string) {
	for _, pid := range markedPids(mark, -1) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// describe names the survivors, for the failure message.
func describe(pids []int) string {
	var b strings.Builder
	for _, pid := range pids {
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		fmt.Fprintf(&b, "\n  %d %s", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
	}
	return b.String()
}

// TestNoSurvivorsAfterKill9: alsh killed outright cannot end its tree;
// the root node, seeing its control socket close, does, reparented
// grandchildren included, within its grace (1 s) and the killing after.
func TestNoSurvivorsAfterKill9(t *testing.T) {
	cmd, mark := markedTree(t, survivorsScript("sleep 60000"), liveMarked)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	deadline := start.Add(5 * time.Second)
	for left := markedPids(mark, -1); len(left) > 0; left = markedPids(mark, -1) {
		if time.Now().After(deadline) {
			t.Fatalf("%d processes survive alsh's kill -9 by %v:%s", len(left), time.Since(start), describe(left))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("tree gone %v after kill -9", time.Since(start).Round(time.Millisecond))
}

// TestNoSurvivorsAfterSIGTERM: alsh ends on SIGTERM, SIGINT or SIGHUP only
// once every process of its tree is gone.
func TestNoSurvivorsAfterSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, mark := markedTree(t, survivorsScript("sleep 60000"), liveMarked)
			start := time.Now()
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			took := time.Since(start)
			if left := markedPids(mark, -1); len(left) > 0 {
				t.Fatalf("alsh returned %v after %v with %d processes of its tree left:%s", err, took, len(left), describe(left))
			}
			if want := 128 + int(sig); cmd.ProcessState.ExitCode() != want {
				t.Errorf("exit status %d, want %d", cmd.ProcessState.ExitCode(), want)
			}
			if took > 8*time.Second {
				t.Errorf("alsh took %v to end", took)
			}
			t.Logf("alsh and its tree gone %v after %v", took.Round(time.Millisecond), sig)
		})
	}
}

// TestNoSurvivorsAfterExit: a script that ends (as Ctrl-D ends the REPL)
// returns only once every process of its tree is gone.
func TestNoSurvivorsAfterExit(t *testing.T) {
	cmd, mark := markedTree(t, survivorsScript(`sleep 2000`), liveMarked)
	err := cmd.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if left := markedPids(mark, -1); len(left) > 0 {
		t.Fatalf("alsh exited with %d processes of its tree left:%s", len(left), describe(left))
	}
}
