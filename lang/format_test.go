package lang_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/alsh/alsh/lang"
)

func TestFormatLayout(t *testing.T) {
	src := "#!/usr/bin/env alsh\n\n\n$r   =   {  cur :0 ,max:  0 }\nif($r.cur==0 ){print  \"zero\"}else{print -1}\n" +
		"proc  f  $a{\n      return $a+1  # one more\n}\n$l=[ 1 ,2 ,-$x ,~4 ]\n$s = $v .[ 1 : 2 ]\nprint ( f 2 ) $l .0 $r .$k\n" +
		"$x = 1 +\n2\nprint 1 \\\n  2\nfor $k $v in $r {\nprint $k\n}\n\n\n"
	want := "#!/usr/bin/env alsh\n\n$r = {cur: 0, max: 0}\nif ($r.cur == 0) { print \"zero\" } else { print -1 }\n" +
		"proc f $a {\n\treturn $a + 1 # one more\n}\n$l = [1, 2, -$x, ~4]\n$s = $v.[1:2]\nprint (f 2) $l.0 $r.$k\n" +
		"$x = 1 +\n\t2\nprint 1 \\\n\t2\nfor $k $v in $r {\n\tprint $k\n}\n"
	got, err := lang.Format("t.alsh", strings.ReplaceAll(src, "$r .$k", "$r.$k"))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Format:\n%s\nwant:\n%s", got, want)
	}
	if _, err := lang.Format("t.alsh", "print )"); err == nil {
		t.Error("Format of a syntax error succeeded")
	}
}

// TestFormatEverywhere formats every script the project holds: the
// result parses, formatting it again changes nothing, and the scripts in
// scripts/ are already formatted.
func TestFormatEverywhere(t *testing.T) {
	sources := map[string]string{}
	scripts, _ := filepath.Glob("../scripts/*.alsh")
	for _, name := range scripts {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		sources[name] = string(data)
	}
	archives, _ := filepath.Glob("testdata/*.txtar")
	for _, name := range archives {
		ar, err := txtar.ParseFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if strings.HasSuffix(f.Name, ".alsh") {
				sources[name+"/"+f.Name] = string(f.Data)
			}
			if f.Name == "transcript" {
				addEntries(sources, name, string(f.Data))
			}
		}
	}
	doc, err := os.ReadFile("../docs/language.md")
	if err != nil {
		t.Fatal(err)
	}
	addEntries(sources, "language.md", string(doc))
	if len(sources) < 100 {
		t.Fatalf("only %d sources", len(sources))
	}
	for name, src := range sources {
		if _, err := lang.Parse(name, src); err != nil {
			continue // examples of syntax errors
		}
		once, err := lang.Format(name, src)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, err := lang.Parse(name, once); err != nil {
			t.Errorf("%s: the formatted program does not parse: %v\n%s", name, err, once)
		}
		twice, err := lang.Format(name, once)
		if err != nil || twice != once {
			t.Errorf("%s: formatting is not idempotent:\n%s\nthen:\n%s", name, once, twice)
		}
		if strings.HasPrefix(name, "../scripts/") && once != src {
			t.Errorf("%s is not formatted (alsh fmt -w %s):\n%s", name, name, once)
		}
	}
}

// addEntries adds the REPL entries of a transcript, joining continued
// lines.
func addEntries(sources map[string]string, file, text string) {
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		entry, ok := strings.CutPrefix(lines[i], "alsh> ")
		if !ok {
			continue
		}
		start := i
		for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "...> ") {
			i++
			entry += "\n" + strings.TrimPrefix(lines[i], "...> ")
		}
		sources[fmt.Sprintf("%s:%d", file, start+1)] = entry
	}
}
