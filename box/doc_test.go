package box

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var optionName = regexp.MustCompile("--[a-z0-9-]+")

// TestLibraryDocOptions: the option tables of docs/library.md's alsh box
// section name exactly the options Parse takes, and every option its
// "Not there" list names is refused.
func TestLibraryDocOptions(t *testing.T) {
	b, err := os.ReadFile("../docs/library.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "## `alsh box`")
	if !ok {
		t.Fatal("docs/library.md has no alsh box section")
	}
	var documented, absent []string
	inAbsent := false
	for _, line := range strings.Split(section, "\n") {
		switch {
		case strings.HasPrefix(line, "| `--"):
			first, _, _ := strings.Cut(line[1:], "|")
			documented = append(documented, optionName.FindAllString(first, -1)...)
		case strings.HasPrefix(line, "- Not there"):
			inAbsent = true
		case inAbsent && (line == "" || strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "#")):
			inAbsent = false
		}
		if inAbsent {
			absent = append(absent, optionName.FindAllString(line, -1)...)
		}
	}
	if len(absent) == 0 {
		t.Fatal("no Not there list in docs/library.md's alsh box section")
	}
	for _, name := range documented {
		if _, ok := options()[name]; !ok {
			t.Errorf("docs/library.md documents %s, which alsh box does not take", name)
		}
	}
	for name := range options() {
		if !slices.Contains(documented, name) {
			t.Errorf("alsh box takes %s, which docs/library.md's tables do not document", name)
		}
	}
	for _, name := range absent {
		if _, ok := options()[name]; ok {
			t.Errorf("docs/library.md lists %s as not there, but alsh box takes it", name)
		}
		if _, err := Parse([]string{name, "x", "--", "true"}, rootOpts); err == nil || !strings.Contains(err.Error(), "unknown option "+name) {
			t.Errorf("%s: %v, want refused as unknown", name, err)
		}
	}
}
