package lang

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// Every error name a script may catch (besides the errnos) is one that
// expect accepts and has its row in docs/language.md's table of error
// names; interrupted (Ctrl-C) is not caught, so not listed.
func TestErrorNamesDocumented(t *testing.T) {
	data, err := os.ReadFile("../docs/language.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	names := slices.Clone(errorNames)
	for _, s := range sentinelNames {
		if s.name == "interrupted" {
			continue
		}
		if !slices.Contains(errorNames, s.name) {
			t.Errorf("error name %s is raised but expect does not take it", s.name)
		}
		names = append(names, s.name)
	}
	for _, n := range names {
		if !strings.Contains(doc, "| `"+n+"` |") {
			t.Errorf("error name %s has no row in docs/language.md's table", n)
		}
	}
}
