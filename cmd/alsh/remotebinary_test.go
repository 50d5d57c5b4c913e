package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alsh/alsh/internal/sshtest"
)

// crossBuild builds alsh for linux/goarch with go build, as docs/remote.md
// says to.
func crossBuild(t *testing.T, goarch string) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	out := filepath.Join(t.TempDir(), "alsh-"+goarch)
	cmd := exec.Command(gobin, "build", "-o", out, ".")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOARCH=%s go build: %v: %s", goarch, err, msg)
	}
	return out
}

// TestRemoteBinaryOfAnotherArchitectureIsRefusedByName gives a real
// alsh built for arm64 to an x86_64 host: the first stage refuses it
// before anything is sent, with an error that names both machines,
// from --host and from host's binary option alike.
func TestRemoteBinaryOfAnotherArchitectureIsRefusedByName(t *testing.T) {
	if out, _ := exec.Command("uname", "-m").Output(); strings.TrimSpace(string(out)) != "x86_64" {
		t.Skip("the test hosts are this machine; the test needs an x86_64 one")
	}
	ssh := sshtest.Hosts(t, "box1")
	arm := crossBuild(t, "arm64")
	cmd := alshCommand(t, "--host", "box1", "--remote-binary", arm, "-c", `gethostname []`)
	cmd.Env = append(os.Environ(), "ALSH_SSH_COMMAND="+ssh)
	out, err := cmd.CombinedOutput()
	msg := string(out)
	if err == nil || !strings.Contains(msg, "host box1: the host is x86_64 (uname -m)") || !strings.Contains(msg, arm) || !strings.Contains(msg, "aarch64") {
		t.Fatalf("alsh --host box1 --remote-binary (arm64): %v: %q, want the two machines named", err, out)
	}
	script := `$b = host "box1" {binary: "` + arm + `"}
try { gethostname [$b] } catch $e { print $e.message }`
	cmd = alshCommand(t, "-c", script)
	cmd.Env = append(os.Environ(), "ALSH_SSH_COMMAND="+ssh)
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "the host is x86_64 (uname -m)") {
		t.Fatalf("host {binary: arm64}: %v: %q", err, out)
	}
	if left := sshtest.Pgrep(t, ssh, "box1", "alsh"); left != "" {
		t.Fatalf("on box1 after the refusal: %s", left)
	}
}

// TestRemoteBinaryThatIsNotAlshFailsClearly: a file that is not an
// alsh binary is refused, naming the file and what is wrong with it,
// before ssh runs.
func TestRemoteBinaryThatIsNotAlshFailsClearly(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1")
	text := filepath.Join(t.TempDir(), "notes")
	if err := os.WriteFile(text, []byte("not a program\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		text:                     "not an ELF executable",
		"/bin/true":              "not an alsh binary",
		"/nonexistent/alsh-arm9": "no such file",
	} {
		cmd := alshCommand(t, "--host", "box1", "--remote-binary", file, "-c", `gethostname []`)
		cmd.Env = append(os.Environ(), "ALSH_SSH_COMMAND="+ssh)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "host box1: remote binary") || !strings.Contains(string(out), want) {
			t.Errorf("--remote-binary %s: %v: %q, want %q", file, err, out, want)
		}
		cmd = alshCommand(t, "-c", `try { host "box1" {binary: "`+file+`"} } catch $e { print $e.message }`)
		cmd.Env = append(os.Environ(), "ALSH_SSH_COMMAND="+ssh)
		out, err = cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf(`host "box1" {binary: %s}: %v: %q, want %q`, file, err, out, want)
		}
	}
}

// TestRemoteBinaryCopyOfThisOneIsAccepted: a copy of this alsh, given
// explicitly, is checked and sent (under the same hash, the cache
// finds it next time), from --host and from host's option alike.
func TestRemoteBinaryCopyOfThisOneIsAccepted(t *testing.T) {
	ssh := sshtest.Hosts(t, "box1", "box2")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "alsh-copy")
	if err := os.WriteFile(cp, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := alshCommand(t, "--host", "box1", "--remote-binary", cp, "-c", `gethostname []`)
	cmd.Env = append(os.Environ(), "ALSH_SSH_COMMAND="+ssh)
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != `"box1"` {
		t.Fatalf("--host box1 --remote-binary (a copy): %v: %q", err, out)
	}
	cmd = alshCommand(t, "-c", `print (gethostname [(host "box2" {binary: "`+cp+`"})])`)
	cmd.Env = append(os.Environ(), "ALSH_SSH_COMMAND="+ssh)
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "box2" {
		t.Fatalf(`host "box2" {binary: a copy}: %v: %q`, err, out)
	}
}
