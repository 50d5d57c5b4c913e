package lang_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alsh/alsh/lang"
	"github.com/alsh/alsh/lang/langtest"
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
// a completion that the grammar takes (the static check may still refuse
// the whole: proc A $A $A { is a valid beginning of a program whose
// parameter appears twice). A complete program parses, so it is never
// incomplete.
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

// atEnd says whether src fails only at its end: it is incomplete, or it
// stops where a newline may not come (for $x in [1] needs its block on
// the same line), so that more on the same line may complete it.
func atEnd(src string) bool {
	_, err := lang.Parse("", src)
	var perr *lang.ParseError
	return errors.As(err, &perr) && (perr.Incomplete() || strings.Contains(perr.Msg, "unexpected end of input"))
}

// refusedIn says whether the parser refused src at or after offset: in
// the closer just added, which more closers may still complete (the
// parser blames the ':' of "[$l.[e {a: 0}: 1" where "]]" would close it).
func refusedIn(src string, offset int) bool {
	_, err := lang.Parse("", src)
	var perr *lang.ParseError
	return errors.As(err, &perr) && perr.Pos.Offset >= offset
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
	starts := []string{src}
	if lastLine := src[strings.LastIndexByte(src, '\n')+1:]; strings.Contains(lastLine, "#") {
		// A comment may end src: what follows on its line is comment too,
		// so the search starts from the next line first (the frontier is
		// bounded, and closers that the comment swallows would fill it).
		starts = []string{src + "\n", src}
	}
	var frontier []string
	for _, start := range starts {
		followed, ok := followHints(start)
		if ok {
			return followed, true
		}
		if followed != start { // as far as the hints went: the search goes on from there too, first
			frontier = append(frontier, followed)
		}
	}
	frontier = append(frontier, starts...)
	for depth := 0; depth < 8 && len(frontier) > 0; depth++ {
		var next []string
		for _, s := range frontier {
			for _, c := range append(hinted(s), closers...) {
				cand := s + c
				if lang.ParsesAsSyntax(cand) {
					return cand, true
				}
				if (atEnd(cand) || refusedIn(cand, len(s))) && len(next) < 200 {
					next = append(next, cand)
				}
			}
		}
		frontier = next
	}
	return "", false
}

// followHints appends, again and again, the closer each parse error says
// it expects: deep nesting ((((… wants more closers than the search's
// depth. It returns how far it went, and whether that parses.
func followHints(src string) (string, bool) {
	for i := 0; i < 256; i++ {
		if lang.ParsesAsSyntax(src) {
			return src, true
		}
		next, ok := takeHint(src)
		if !ok {
			return src, false
		}
		src = next
	}
	return src, false
}

// takeHint is src with the first hinted closer that moves the parse on
// (an unterminated string's hint is either quote: the other one is
// inside the string); false if none does.
func takeHint(src string) (string, bool) {
	_, before := lang.Parse("", src)
	for _, c := range hinted(src) {
		cand := src + c
		_, err := lang.Parse("", cand)
		if lang.ParsesAsSyntax(cand) || err != nil && err.Error() != before.Error() {
			return cand, true
		}
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
	if strings.Contains(msg, ": unterminated string") {
		return []string{`"`, `'`}
	}
	if strings.Contains(msg, "(expected a value)") {
		return []string{" 1"}
	}
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
		"if (1 ==\n", "$r = {cur:", "\"\\x", "\"${a", "print 1 2 3 4 5 6 (", "{a: [1 {b:"} {
		if !incomplete(src) {
			t.Errorf("Parse(%q) is not incomplete", src)
			continue
		}
		if _, ok := complete(src); !ok {
			t.Errorf("no completion of %q", src)
		}
	}
	for _, src := range []string{")", "}", "1 2", "print @", "if true { } else x", "\"\\q\"", "proc f $a\n",
		"$A\"", "\"\\q", "1 'x", "if#", "if # a comment", "{a: [1 {b", "for $x in [1]"} {
		if incomplete(src) {
			t.Errorf("Parse(%q) says incomplete; it can never parse", src)
		}
	}
}

// evalSeeds exercise the operations of the evaluator, old and new.
var evalSeeds = []string{
	"1 | 2 & 3 ^ 4 << 5 >> 1", "~0 & 0xff", "1 << 64", "1 >> -1", "clone_newpid | clone_newns | 0x10",
	"$l = [1 2 3]; $i = 1; $l.$i; $l.($i + 1); $l.[1:]; $l.[0:9]", "$r = {a: 1}; $k = \"a\"; $r.$k; (keys $r).0",
	"$s = \"hello\"; $s.[1:3]; $s.[-1:]; $s.[3:1]", "split \"a,b\" \",\"; join [\"a\" 1] \"-\"; lines \"a\\nb\"",
	"replace \"aa\" \"a\" \"b\"; find \"abc\" \"c\"; starts \"ab\" \"a\"; ends \"ab\" \"b\"; upper \"x\"; lower \"Y\"",
	"int \"0x1f\"; int \"755\" 8; int \"z\" 36; str [1]; hex -255", "format \"%d %s %x %q %v %5.2s %%\" 1 \"a\" 255 \"q\" ok \"abc\"",
	"to_json {a: [1 \"\\xff\" ok true sigkill]}", "from_json \"{\\\"a\\\": [1, null, {\\\"$bytes\\\": \\\"/w==\\\"}]}\"",
	"from_json \"[1.5]\"", "has {a: 1} a; values {b: 2, a: 1}", "time { sleep 1 }; now",
	"if getenv [] \"X\" { 1 } else { 2 }", "sigkill == \"SIGKILL\"", "{cur: 1 + 1, max: ~0}", "[fork [$c]]",
	"write_file \"f\" \"x\"; read_file \"f\"", "$c = fork []; kill [] $c \"sigterm\"",
	"$c = fork []; batch [$c] [[\"getpid\"] {call: [mkdir \"/a\" 0o755], tolerate: [eexist]} [chdir \"/a\"]]",
	"try { batch [] [[\"chroot\" 1] [fork]] } catch $e { $e.index }; batch [] 1; batch [] [{call: 2, tolerate: [x]}]",
}

// FuzzEval runs programs on the fake host: whatever the input, the
// evaluator returns an error of a known kind and never panics or hangs.
// Loops and procedures are left out, so that a short input cannot build
// values without bound.
func FuzzEval(f *testing.F) {
	for _, s := range append(evalSeeds, seeds...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 300 || strings.Contains(src, "while") || strings.Contains(src, "for") || strings.Contains(src, "proc") || strings.Contains(src, "source") {
			return
		}
		prog, err := lang.Parse("fuzz", src)
		if err != nil {
			return
		}
		files := map[string][]byte{}
		in := lang.New(langtest.New(), lang.Options{Interactive: true,
			ReadFile: func(name string) ([]byte, error) {
				if data, ok := files[name]; ok {
					return data, nil
				}
				return nil, os.ErrNotExist
			},
			WriteFile: func(name string, data []byte) error { files[name] = data; return nil },
			Rand:      func(n int64) int64 { return n / 2 }})
		in.Check(prog)
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		err = in.Run(ctx, prog)
		var le *lang.Error
		var exit lang.ExitStatus
		if err != nil && !errors.As(err, &le) && !errors.As(err, &exit) && ctx.Err() == nil {
			t.Errorf("Run(%q): error %T (%v) is neither a *lang.Error nor an ExitStatus", src, err, err)
		}
	})
}
