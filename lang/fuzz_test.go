package lang_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alsh/alsh/lang"
)

// seeds are fuzz inputs beyond the committed corpus in testdata/fuzz.
var seeds = []string{
	"$c = fork []\nsetuid [$c] 0\n",
	"if setuid [$c] 0 { print \"a\" } else { print \"b\" }",
	"proc f $a { return $a + 1 }\nf 2",
	"setrlimit [$c] rlimit_nofile {cur: 0, max: 0}",
	"for $i in (range 3) { print \"$i ${i}x\" }",
	"try { fail \"x\" } catch $e { print $e.message }",
	"expect eperm setuid [$c] 0\nexpect (getpid [$c]) == 1",
	"[1 2\n3]", "{a: [1 {b: 2}]}", "'raw'", "\"\\x00\\$\"", "1 +\n2", "print 1 \\\n2",
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			prog, err := lang.Parse("fuzz", src)
			if (prog == nil) == (err == nil) {
				t.Errorf("Parse(%q) = %v, %v: want exactly one", src, prog, err)
			}
			var perr *lang.ParseError
			if err != nil && !errors.As(err, &perr) {
				t.Errorf("Parse(%q): error %T is not a *ParseError", src, err)
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Parse(%q) hangs", src)
		}
	})
}

// FuzzIncomplete checks that Incomplete is honest: an incomplete input has
// a completion that parses. (A complete program parses, so it is never
// incomplete.)
func FuzzIncomplete(f *testing.F) {
	for _, s := range seeds {
		for i := range s {
			f.Add(s[:i])
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 200 || !incomplete(src) {
			return
		}
		if _, ok := complete(src); !ok {
			t.Errorf("Parse(%q) says incomplete, but no completion parses", src)
		}
	})
}

func incomplete(src string) bool {
	_, err := lang.Parse("", src)
	var perr *lang.ParseError
	return errors.As(err, &perr) && perr.Incomplete()
}

// closers are what may finish an incomplete input, tried in order.
var closers = []string{"]", "}", ")", ": 1", " 1", "\"", "'", "\n1", " {}", " $x", "\n", "x", "00", " in [] {}"}

// complete searches for a suffix that makes src parse: breadth first over
// short sequences of closers, following only those that stay incomplete,
// the closer the error message expects first.
func complete(src string) (string, bool) {
	frontier := []string{src}
	for depth := 0; depth < 8 && len(frontier) > 0; depth++ {
		var next []string
		for _, s := range frontier {
			for _, c := range append(hinted(s), closers...) {
				cand := s + c
				if _, err := lang.Parse("", cand); err == nil {
					return cand, true
				}
				if incomplete(cand) && len(next) < 200 {
					next = append(next, cand)
				}
			}
		}
		frontier = next
	}
	return "", false
}

// hinted is the closer the parse error says it expects, if any.
func hinted(src string) []string {
	_, err := lang.Parse("", src)
	if err == nil {
		return nil
	}
	msg := err.Error()
	i := strings.Index(msg, `(expected "`)
	if i < 0 {
		return nil
	}
	tok := strings.TrimSuffix(msg[i+len(`(expected "`):], `")`)
	if tok == ":" {
		return []string{": 1"}
	}
	return []string{tok}
}

func TestCompletions(t *testing.T) {
	for _, src := range []string{"[1 2", "{a: 1,", "(getpid [1]", "\"abc", "'x", "if true {",
		"if true { } else", "1 +", "$x =", "proc f $a {", "print 1 \\\n", "for $x in [1] {\nprint $x\n",
		"if (1 ==\n", "$r = {cur:", "\"\\x", "\"${a", "print 1 2 3 4 5 6 (", "{a: [1 {b"} {
		if !incomplete(src) {
			t.Errorf("Parse(%q) is not incomplete", src)
			continue
		}
		if _, ok := complete(src); !ok {
			t.Errorf("no completion of %q", src)
		}
	}
	for _, src := range []string{")", "}", "1 2", "print @", "if true { } else x", "\"\\q\"", "proc f $a\n",
		"$A\"", "\"\\q", "1 'x"} {
		if incomplete(src) {
			t.Errorf("Parse(%q) says incomplete; it can never parse", src)
		}
	}
}
