package engine_test

// docs/sandboxing.md is a script: this test runs its alsh blocks, in
// order, in one interpreter against the real engine, so that every line
// of the guide keeps working. The blocks check themselves with expect.

import (
	"bytes"
	"errors"
	"github.com/alsh/alsh/engine/internal/testutil"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/alsh/alsh/lang"
)

// guideBox is the directory the guide writes in; the test gives it a
// fresh one of its own.
const guideBox = "/tmp/box"

func TestSandboxingGuide(t *testing.T) {
	testutil.RequirePrivileged(t)
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Fatal("no /bin/busybox: install busybox-static")
	}
	src, err := os.ReadFile("../docs/sandboxing.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := alshBlocks(string(src))
	if len(blocks) < 6 {
		t.Fatalf("docs/sandboxing.md has %d alsh blocks", len(blocks))
	}
	// the guide's sandbox runs as uid 65534: it must reach the box
	tmp := t.TempDir()
	os.Chmod(tmp, 0o755)
	os.Chmod(filepath.Dir(tmp), 0o755)
	box := filepath.Join(tmp, "box")
	s := startSC(t)
	var out bytes.Buffer
	in := lang.New(s.e, lang.Options{Stdout: &out, Stderr: &out})
	in.SetVar("jail", "/bin") // the cgroup steps' busybox, as the guide says
	t.Cleanup(func() { removeGuideCgroup(t, s, in) })
	for i, b := range blocks {
		prog, err := lang.Parse("sandboxing.md", strings.ReplaceAll(b, guideBox, box))
		if err != nil {
			t.Fatalf("block %d does not parse: %v\n%s", i+1, err, b)
		}
		if err := in.Run(s.ctx, prog); err != nil {
			t.Fatalf("block %d: %v\n%s\noutput so far:\n%s", i+1, err, b, out.String())
		}
	}
	if got, err := os.ReadFile(filepath.Join(box, "hello")); err != nil || string(got) != "hi\n" {
		t.Fatalf("the sandbox's file in the box: %q %v", got, err)
	}
	t.Logf("the guide's output:\n%s", out.String())
}

// removeGuideCgroup removes the cgroup of the guide's second sandbox
// when a block failed before its last step did.
func removeGuideCgroup(t *testing.T, s *sc, in *lang.Interp) {
	name, ok := in.Var("cg")
	if !ok {
		return
	}
	if _, err := s.e.Call(s.ctx, nil, "cgroup_delete", []any{name}); err != nil && !errors.Is(err, syscall.ENOENT) {
		t.Errorf("removing the guide's cgroup %v: %v", name, err)
	}
}

// alshBlocks returns the bodies of the ```alsh blocks of a markdown text.
func alshBlocks(md string) []string {
	var blocks []string
	for {
		_, rest, ok := strings.Cut(md, "```alsh\n")
		if !ok {
			return blocks
		}
		body, after, _ := strings.Cut(rest, "```")
		blocks = append(blocks, body)
		md = after
	}
}
