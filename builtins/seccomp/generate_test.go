package seccomp

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// zsyscalls.go is what gen_syscalls.go writes from the x/sys in go.mod
// (go generate ./builtins/seccomp/ refreshes it).
func TestSyscallTableFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks x/sys from source; skipped in -short mode")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to run the generator")
	}
	out := filepath.Join(t.TempDir(), "zsyscalls.go")
	if b, err := exec.Command(gobin, "run", "gen_syscalls.go", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("gen_syscalls.go: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("zsyscalls.go")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("zsyscalls.go is stale (%v): run go generate ./builtins/seccomp/", err)
	}
}
