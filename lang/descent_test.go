package lang

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestDescentMatchesParticiple: on every input of the grammar's corpus
// (the repository's scripts, their lines and beginnings of lines, the
// docs' lines, the fuzz corpora), descent gives participle's tree where
// participle takes the input, and refuses it where participle does.
func TestDescentMatchesParticiple(t *testing.T) {
	inputs := referenceCorpus(t)
	if len(inputs) < 10000 {
		t.Fatalf("only %d inputs: the corpus was not found", len(inputs))
	}
	taken := 0
	for i, src := range inputs {
		if testing.Short() && i%10 != 0 {
			continue
		}
		diff, ok := compareDescent(src)
		if diff != "" {
			t.Error(diff)
		}
		if ok {
			taken++
		}
	}
	if taken < len(inputs)/20 {
		t.Errorf("participle took only %d of %d inputs: the comparison saw too few programs", taken, len(inputs))
	}
}

func FuzzDescentMatchesParticiple(f *testing.F) {
	for _, s := range []string{"$c = fork []\nsetuid [$c] 0\n", "if x { } else if y { 1 } else { [1 {a: 2}] }",
		"expect eperm setuid [$c] 0", "for $k $v in $r { print \"$k ${v}\" }", "proc f $a { return ($a).0 + 1 }",
		"try { $l.[1:2] } catch $e { }", "print a -1 ~2 (f).x $y.(1) time { }", "1 < 2 and not 3 or 4 >= 5",
		"for $x in [] { }", "try { } catch { }", "f {a: 1} { }", "return\n", "x # c\n\\\n y", "[- -1 ~a]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if diff, _ := compareDescent(src); diff != "" {
			t.Error(diff)
		}
	})
}

// compareDescent says how descent and participle part on src ("" if
// they do not), and whether participle takes it.
func compareDescent(src string) (diff string, ok bool) {
	want, err := parser().ParseString("f", src)
	got, took := parseDescent("f", src)
	switch {
	case err != nil && took:
		return fmt.Sprintf("parsing %q: descent took what participle refuses (%v)", src, err), false
	case err != nil:
		return "", false
	case !took:
		return fmt.Sprintf("parsing %q: descent refused what participle takes", src), true
	case !reflect.DeepEqual(got, want):
		var g, w strings.Builder
		dumpTree(&g, reflect.ValueOf(got))
		dumpTree(&w, reflect.ValueOf(want))
		return fmt.Sprintf("parsing %q: the trees differ:\ndescent    %s\nparticiple %s", src, g.String(), w.String()), true
	}
	return "", true
}
