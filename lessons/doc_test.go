package lessons

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var lessonRow = regexp.MustCompile(`^\| (\d+) \| ([^|]+) \| [^|]+ \| ([^|]+) \|$`)

// TestLessonsDocListsEveryLesson: docs/lessons.md's table has a row for
// each lesson, in the tour's order, with its title and whether it needs
// root ("yes" exactly for a lesson marked Root).
func TestLessonsDocListsEveryLesson(t *testing.T) {
	b, err := os.ReadFile("../docs/lessons.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for _, line := range strings.Split(string(b), "\n") {
		if m := lessonRow.FindStringSubmatch(line); m != nil {
			rows = append(rows, m[1:])
		}
	}
	all := All()
	if len(rows) != len(all) {
		t.Fatalf("docs/lessons.md lists %d lessons, there are %d", len(rows), len(all))
	}
	for i, l := range all {
		n, _ := strconv.Atoi(rows[i][0])
		title, root := strings.TrimSpace(rows[i][1]), strings.TrimSpace(rows[i][2])
		if n != l.Number || title != l.Title {
			t.Errorf("row %d: lesson %d %q, want %d %q", i+1, n, title, l.Number, l.Title)
		}
		if (root == "yes") != l.Root {
			t.Errorf("lesson %d: the table's root column says %q, the lesson's Root is %v", l.Number, root, l.Root)
		}
	}
}
