package builtins_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang"
)

// TestGeneratedFresh reruns each generator into a temporary directory and
// fails when a committed output differs from what it writes (STYLE rule 22;
// run go generate ./builtins/ to refresh them).
func TestGeneratedFresh(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to run the generators")
	}
	dir := t.TempDir()
	t.Run("gen_calls", func(t *testing.T) {
		runGenerator(t, gobin, "gen_calls.go", "-root", dir)
		compareGenerated(t, dir, "docs/calls.md", "engine/zcalls.go", "engine/zhandle.go")
	})
	t.Run("gen_table", func(t *testing.T) {
		if err := os.MkdirAll(filepath.Join(dir, "builtins"), 0o755); err != nil {
			t.Fatal(err)
		}
		runGenerator(t, gobin, "gen_table.go", "-o", filepath.Join(dir, "builtins", "ztable.go"))
		compareGenerated(t, dir, "builtins/ztable.go")
	})
	t.Run("gen_constants", func(t *testing.T) {
		if testing.Short() {
			t.Skip("type-checks x/sys from source; skipped in -short mode")
		}
		if err := os.MkdirAll(filepath.Join(dir, "builtins"), 0o755); err != nil {
			t.Fatal(err)
		}
		runGenerator(t, gobin, "gen_constants.go", "-o", filepath.Join(dir, "builtins", "zconstants.go"))
		compareGenerated(t, dir, "builtins/zconstants.go")
	})
}

func runGenerator(t *testing.T, gobin, gen string, args ...string) {
	t.Helper()
	cmd := exec.Command(gobin, append([]string{"run", gen}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", gen, err, out)
	}
}

// compareGenerated compares files (paths from the module root) under dir
// with the committed ones.
func compareGenerated(t *testing.T, dir string, files ...string) {
	t.Helper()
	for _, f := range files {
		want, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./builtins/", f)
		}
	}
}

// TestCallRows checks what every row must have: docs, a group, an
// implementation for node-side calls, and an example that parses and
// passes the right number of arguments.
func TestCallRows(t *testing.T) {
	for i := range builtins.Table {
		c := &builtins.Table[i]
		t.Run(c.Name, func(t *testing.T) {
			if c.Summary == "" || c.Man == "" || c.Example == "" || c.Group == "" {
				t.Errorf("missing summary, man, example or group: %+v", *c)
			}
			if _, ok := builtins.ImplOf(c.Name); c.Where == builtins.OnNode && !ok && !c.RuntimeFree {
				t.Errorf("no implementation")
			}
			checkExample(t, c)
		})
	}
}

func checkExample(t *testing.T, c *builtins.Call) {
	if _, err := lang.Parse(c.Name+".example", c.Example); err != nil {
		t.Errorf("example %q does not parse: %v", c.Example, err)
	}
	words := topLevelWords(c.Example)
	if len(words) > 2 && words[1] == "=" {
		words = words[2:]
	}
	if len(words) < 2 || words[0] != c.Name || !strings.HasPrefix(words[1], "[") {
		t.Errorf("example %q is not %s [pipeline] args", c.Example, c.Name)
		return
	}
	n, min, max := len(words)-2, len(c.Args)-c.Optional, len(c.Args)
	if n < min || n > max {
		t.Errorf("example %q passes %d arguments, want %d to %d", c.Example, n, min, max)
	}
}

// topLevelWords splits a line at spaces outside brackets, braces and
// strings: a light tokenizer, enough to count a call's arguments.
func topLevelWords(s string) []string {
	var words []string
	var cur strings.Builder
	depth, inStr := 0, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case inStr && ch == '\\' && i+1 < len(s):
			cur.WriteByte(ch)
			i++
			ch = s[i]
		case ch == '"':
			inStr = !inStr
		case !inStr && strings.IndexByte("[{(", ch) >= 0:
			depth++
		case !inStr && strings.IndexByte("]})", ch) >= 0:
			depth--
		case !inStr && depth == 0 && ch == ' ':
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteByte(ch)
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words
}
