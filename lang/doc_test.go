package lang_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestLanguageDoc runs the alsh> examples of docs/language.md on the fake
// host, each ```alsh block a fresh session. A comment just before a block,
// <!-- host: DIRECTIVE; DIRECTIVE -->, scripts the host as a transcript's
// host file does. go test ./lang -update rewrites the outputs.
func TestLanguageDoc(t *testing.T) {
	const path = "../docs/language.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	got := docBlocks.ReplaceAllStringFunc(doc, func(block string) string {
		m := docBlocks.FindStringSubmatch(block)
		host := strings.ReplaceAll(m[2], ";", "\n")
		session := newSession(t, map[string]string{"host": host})
		return m[1] + session.replay(m[3]) + "```"
	})
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got != doc {
		t.Errorf("%s: examples differ (go test ./lang -update rewrites them)\n%s", path, diff(doc, got))
	}
	if n := len(docBlocks.FindAllString(doc, -1)); n < 10 {
		t.Errorf("%s has %d examples; want them checked", path, n)
	}
}

// docBlocks matches an optional host comment and an ```alsh block.
var docBlocks = regexp.MustCompile("(?s)((?:<!-- host: ([^\n]*) -->\n)?```alsh\n)(.*?)```")
