package engine

import (
	"syscall"
	"testing"
)

// startChild starts sh -c script as a child of the test, held as a cloned
// root is: by its pid alone (no os.Process).
func startChild(t *testing.T, script string) *rootProcess {
	t.Helper()
	pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", script}, &syscall.ProcAttr{Files: []uintptr{0, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := clonedRoot("/bin/sh", pid)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestClonedRootWaitSaysHowItEnded(t *testing.T) {
	for _, c := range []struct {
		script, err string
		exited      bool
		status      int
		sig         syscall.Signal
	}{
		{script: "exit 0", exited: true},
		{script: "exit 3", err: "exit status 3", exited: true, status: 3},
		{script: "kill -TERM $$", err: "signal: terminated", sig: syscall.SIGTERM},
	} {
		ws, err := startChild(t, c.script).wait()
		if got := errText(err); got != c.err {
			t.Errorf("%s: error %q, want %q", c.script, got, c.err)
		}
		if ws.Exited() != c.exited || c.exited && ws.ExitStatus() != c.status || !c.exited && ws.Signal() != c.sig {
			t.Errorf("%s: wait status %#x (exited %v status %d signal %v)", c.script, int(ws), ws.Exited(), ws.ExitStatus(), ws.Signal())
		}
	}
}

func TestClonedRootKill(t *testing.T) {
	r := startChild(t, "exec sleep 60")
	r.kill()
	ws, err := r.wait()
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL || errText(err) != "signal: killed" {
		t.Fatalf("after kill: wait status %#x, error %v", int(ws), err)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
