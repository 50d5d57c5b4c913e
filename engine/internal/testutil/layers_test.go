package testutil

import (
	"go/build"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/alsh/alsh"

var roomRow = regexp.MustCompile("^\\| `([a-z/]+)` \\|")

// rooms reads the packages of docs/architecture.md's table of rooms,
// from the top (which may import the rest) to the bottom.
func rooms(t *testing.T, root string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docs/architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "## Rooms")
	if !ok {
		t.Fatal("docs/architecture.md has no Rooms section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var pkgs []string
	for _, line := range strings.Split(section, "\n") {
		if m := roomRow.FindStringSubmatch(line); m != nil {
			pkgs = append(pkgs, m[1])
		}
	}
	return pkgs
}

// TestImportsPointDown: as docs/architecture.md says, each package of its
// table of rooms imports (outside its tests) only packages below it in
// the table, so the node and the proto-node never import the driver, and
// the language never imports the engine.
func TestImportsPointDown(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	pkgs := rooms(t, root)
	if len(pkgs) < 10 || !slices.Contains(pkgs, "engine/internal/proto") || !slices.Contains(pkgs, "engine") {
		t.Fatalf("rooms read from docs/architecture.md: %v", pkgs)
	}
	for i, p := range pkgs {
		bp, err := build.ImportDir(filepath.Join(root, p), 0)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, imp := range bp.Imports {
			dep, ok := strings.CutPrefix(imp, module+"/")
			if !ok || !slices.Contains(pkgs, dep) {
				continue // outside the module, or a package the table does not list (lib, box, builtins/seccomp…)
			}
			if j := slices.Index(pkgs, dep); j <= i {
				t.Errorf("%s imports %s, which docs/architecture.md's table puts above it", p, dep)
			}
		}
	}
}
