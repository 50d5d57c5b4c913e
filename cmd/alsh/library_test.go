package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/alsh/alsh/engine"
	"github.com/alsh/alsh/lang"
)

// TestLibraryTranscripts replays lib/testdata/*.txtar against the real
// engine, as root: each holds a "transcript" of REPL entries (alsh> …,
// continued by ...> …) and what they print. An expected line "~ RE" is a
// regular expression the printed line must match whole (pids differ from
// run to run); any other line must be equal. -u rewrites the entries
// whose output differs.
func TestLibraryTranscripts(t *testing.T) {
	requirePrivileged(t)
	requireStatic(t)
	files, _ := filepath.Glob("../../lib/testdata/*.txtar")
	if len(files) == 0 {
		t.Fatal("no transcripts in lib/testdata")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			if raceBuild && strings.Contains(filepath.Base(file), "prims") {
				t.Skip("a race build is linked dynamically: its nodes would need exec rights on the ELF interpreter, which the transcript's Landlock domain does not grant")
			}
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for i, f := range ar.Files {
				if f.Name != "transcript" {
					continue
				}
				got := replayLive(t, string(f.Data))
				if *updateScripts {
					ar.Files[i].Data = []byte(got)
					if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			t.Fatal("no transcript file in the archive")
		})
	}
}

// requirePrivileged skips a test that needs root, or fails it under
// ALSH_REQUIRE_PRIVILEGED=1 (CI runs as root and must not skip).
func requirePrivileged(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("ALSH_REQUIRE_PRIVILEGED") == "1" {
		t.Fatal("ALSH_REQUIRE_PRIVILEGED=1 but not root")
	}
	t.Skip("needs root")
}

// requireStatic skips a test whose sandboxes make a new root when the test
// binary, which the nodes run, is linked dynamically, or fails it under
// ALSH_REQUIRE_PRIVILEGED=1.
func requireStatic(t testing.TB) {
	t.Helper()
	if bootsInNewRoot() {
		return
	}
	if os.Getenv("ALSH_REQUIRE_PRIVILEGED") == "1" {
		t.Fatal(notStatic)
	}
	t.Skip(notStatic)
}

// entry is one REPL entry of a transcript and the lines it should print.
type entry struct {
	line int
	src  string
	want []string
}

func parseTranscript(text string) []entry {
	var out []entry
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "alsh> "):
			out = append(out, entry{line: i + 1, src: strings.TrimPrefix(line, "alsh> ")})
		case strings.HasPrefix(line, "...> ") && len(out) > 0:
			out[len(out)-1].src += "\n" + strings.TrimPrefix(line, "...> ")
		case len(out) > 0:
			out[len(out)-1].want = append(out[len(out)-1].want, line)
		}
	}
	return out
}

func replayLive(t *testing.T, text string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	eng, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	var out bytes.Buffer
	in := lang.New(eng, lang.Options{Stdout: &out, Stderr: &out, Interactive: true})
	var rewritten strings.Builder
	rewritten.WriteString(header(text))
	for _, e := range parseTranscript(text) {
		out.Reset()
		if prog, err := lang.Parse("", e.src); err != nil {
			fmt.Fprintln(&out, "syntax error:", err)
		} else if err := in.Run(ctx, prog); err != nil {
			fmt.Fprintln(&out, "error:", err)
		}
		got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if out.Len() == 0 {
			got = nil
		}
		lines := e.want
		if msg := matchLines(e.want, got); msg != "" {
			t.Errorf("transcript line %d: alsh> %s\n%s", e.line, e.src, msg)
			lines = got
		}
		rewritten.WriteString("alsh> " + strings.ReplaceAll(e.src, "\n", "\n...> ") + "\n")
		for _, l := range lines {
			rewritten.WriteString(l + "\n")
		}
	}
	return rewritten.String()
}

// header is what a transcript holds before its first entry.
func header(text string) string {
	i := strings.Index(text, "alsh> ")
	if i < 0 {
		return text
	}
	return text[:i]
}

// matchLines compares printed lines with the expected ones ("~ RE" lines
// match a regular expression).
func matchLines(want, got []string) string {
	if len(want) != len(got) {
		return fmt.Sprintf("want %d lines:\n%s\ngot %d:\n%s", len(want), strings.Join(want, "\n"), len(got), strings.Join(got, "\n"))
	}
	for i := range want {
		if re, ok := strings.CutPrefix(want[i], "~ "); ok {
			if !regexp.MustCompile("^(?:" + re + ")$").MatchString(got[i]) {
				return fmt.Sprintf("line %d: %q does not match %q", i+1, got[i], re)
			}
		} else if want[i] != got[i] {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, want[i], got[i])
		}
	}
	return ""
}
