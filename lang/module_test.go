package lang_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alsh/alsh/lang"
	"github.com/alsh/alsh/lang/langtest"
)

// TestLibraryProcsHaveHelp loads every module of the built-in library and
// checks that each procedure has help (the comment above it) holding an
// example that parses.
func TestLibraryProcsHaveHelp(t *testing.T) {
	modules := lang.Modules()
	if len(modules) < 3 {
		t.Fatalf("Modules() = %v, want sandbox, run, container at least", modules)
	}
	for _, m := range modules {
		in := lang.New(langtest.New(), lang.Options{})
		prog, err := lang.Parse("test", "use "+m)
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Run(context.Background(), prog); err != nil {
			t.Fatalf("use %s: %v", m, err)
		}
		for _, name := range in.Procs() {
			if !strings.HasPrefix(name, m+".") {
				continue
			}
			doc := in.ProcDoc(name)
			_, example, ok := strings.Cut(doc, "example: ")
			if !ok {
				t.Errorf("%s: help has no example: %q", name, doc)
				continue
			}
			if _, err := lang.Parse(name, example); err != nil {
				t.Errorf("%s: example %q does not parse: %v", name, example, err)
			}
			if !strings.Contains(example, name) {
				t.Errorf("%s: example %q does not call it", name, example)
			}
		}
	}
}

// TestUseFromModulePath finds a module in a directory of ModulePath
// before the script's directory.
func TestUseFromModulePath(t *testing.T) {
	files := map[string]string{
		"/lib1/m.alsh":   "# m from the path\nproc f { return 1 }\n",
		"/script/m.alsh": "proc f { return 2 }\n",
	}
	read := func(name string) ([]byte, error) {
		if data, ok := files[name]; ok {
			return []byte(data), nil
		}
		return nil, fmt.Errorf("reading %s: %w", name, fs.ErrNotExist)
	}
	in := lang.New(langtest.New(), lang.Options{ModulePath: []string{"/lib1"}, Dir: "/script", ReadFile: read})
	prog, _ := lang.Parse("t", "use m\n$v = m.f")
	if err := in.Run(context.Background(), prog); err != nil {
		t.Fatal(err)
	}
	if v, _ := in.Var("v"); v != int64(1) {
		t.Errorf("m.f = %v, want 1 (from ALSH_PATH's /lib1)", v)
	}
	in = lang.New(langtest.New(), lang.Options{ModulePath: []string{}, Dir: "/script", ReadFile: read})
	if err := in.Run(context.Background(), prog); err != nil {
		t.Fatal(err)
	}
	if v, _ := in.Var("v"); v != int64(2) {
		t.Errorf("m.f = %v, want 2 (beside the script)", v)
	}
}

// TestLibraryDocParses: every alsh example of docs/library.md parses.
func TestLibraryDocParses(t *testing.T) {
	data, err := os.ReadFile("../docs/library.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(data), "```alsh\n")
	if len(blocks) < 4 {
		t.Fatalf("docs/library.md has %d alsh examples", len(blocks)-1)
	}
	for i, b := range blocks[1:] {
		src, _, _ := strings.Cut(b, "```")
		if _, err := lang.Parse("docs/library.md", src); err != nil {
			t.Errorf("example %d does not parse: %v\n%s", i+1, err, src)
		}
	}
}

// TestLibraryPassesCheck: alsh check on the library's own files finds
// nothing (a module calls its procedures by their qualified names, and
// exit on a pipeline ends a process, not the script).
func TestLibraryPassesCheck(t *testing.T) {
	files, _ := filepath.Glob("../lib/*.alsh")
	if len(files) == 0 {
		t.Fatal("no library files")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := lang.Parse(f, string(src))
		if err != nil {
			t.Fatal(err)
		}
		in := lang.New(langtest.New(), lang.Options{})
		for _, p := range in.Check(prog) {
			t.Errorf("%v", p)
		}
	}
}
