package lang_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang"
	"github.com/alsh/alsh/lang/langtest"
)

// Transcript tests: each lang/testdata/*.txtar holds a "transcript" file
// of REPL entries and their output:
//
//	alsh> $c = fork []          an entry (more lines follow as "...> ")
//	100                         what it printed
//	$ alsh lib.alsh a b         run another file of the archive as a script
//
// An optional "host" file scripts the fake host, one directive a line:
//
//	trace                       show each host call as "> name [pipeline] args"
//	setuid error eperm          the next setuid fails with eperm
//	getpid 1                    the next getpid returns 1
//	output [100] stdout "hi\n"  queue output (or an event record)
//
// go test ./lang -update rewrites the outputs.

func TestTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txtar")
	if len(files) == 0 {
		t.Fatal("no transcripts in testdata")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			testTranscript(t, file)
		})
	}
}

func testTranscript(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range ar.Files {
		files[f.Name] = string(f.Data)
	}
	session := newSession(t, files)
	got := session.replay(files["transcript"])
	if *update {
		for i := range ar.Files {
			if ar.Files[i].Name == "transcript" {
				ar.Files[i].Data = []byte(got)
			}
		}
		if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want := files["transcript"]; got != want {
		t.Errorf("transcript differs (go test ./lang -update rewrites it)\n%s", diff(want, got))
	}
}

// session is an Interp on a fake host, as a REPL would hold it.
type session struct {
	t      *testing.T
	host   *langtest.Host
	files  map[string]string
	out    bytes.Buffer
	interp *lang.Interp
}

func newSession(t *testing.T, files map[string]string) *session {
	s := &session{t: t, host: langtest.New(), files: files}
	s.interp = lang.New(s.host, s.options(nil, true))
	s.setup(files["host"])
	return s
}

func (s *session) options(args []string, interactive bool) lang.Options {
	return lang.Options{Stdout: &s.out, Stderr: &s.out, Args: args, Interactive: interactive,
		Rand: func(n int64) int64 { return n / 2 },
		ReadFile: func(name string) ([]byte, error) {
			if data, ok := s.files[name]; ok {
				return []byte(data), nil
			}
			return nil, &os.PathError{Op: "open", Path: name, Err: os.ErrNotExist}
		},
		WriteFile: func(name string, data []byte) error {
			s.files[name] = string(data)
			return nil
		}}
}

func (s *session) setup(directives string) {
	for _, line := range strings.Split(directives, "\n") {
		line = strings.TrimSpace(line)
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0 || strings.HasPrefix(line, "#"):
		case fields[0] == "trace":
			s.host.Trace = &s.out
		case fields[0] == "output":
			s.output(line)
		case len(fields) >= 3 && fields[1] == "error":
			s.host.Reply(fields[0], langtest.Reply{Err: hostError(s.t, fields[0], fields[2])})
		default:
			s.host.Reply(fields[0], langtest.Reply{Value: s.eval(strings.TrimPrefix(line, fields[0]))})
		}
	}
}

// output handles: output [PIDS] STREAM VALUE.
func (s *session) output(line string) {
	v := s.eval("[" + strings.TrimPrefix(line, "output") + "]").([]any)
	var pipeline []int
	for _, p := range v[0].([]any) {
		pipeline = append(pipeline, int(p.(int64)))
	}
	if err := s.host.Output(pipeline, string(v[1].(builtins.Const)), v[2]); err != nil {
		s.t.Fatal(err)
	}
}

// hostSentinels are the engine's errors a host file can name.
var hostSentinels = map[string]error{"badpid": builtins.ErrBadPid, "filtered": builtins.ErrFiltered,
	"unsupported": builtins.ErrUnsupported, "exited": builtins.ErrExited}

func hostError(t *testing.T, call, name string) error {
	if err, ok := langtest.Errno(call, name); ok {
		return err
	}
	if e, ok := hostSentinels[name]; ok {
		return fmt.Errorf("%s: %w", call, e)
	}
	t.Fatalf("host: unknown error %s", name)
	return nil
}

// eval reads a value written in the language.
func (s *session) eval(src string) any {
	prog, err := lang.Parse("host", "$v = "+src)
	if err != nil {
		s.t.Fatalf("host value %q: %v", src, err)
	}
	in := lang.New(s.host, lang.Options{})
	if err := in.Run(context.Background(), prog); err != nil {
		s.t.Fatalf("host value %q: %v", src, err)
	}
	v, _ := in.Var("v")
	return v
}

// replay runs the transcript's entries and returns the transcript as it
// should read.
func (s *session) replay(transcript string) string {
	var b strings.Builder
	lines := strings.SplitAfter(transcript, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "alsh> "):
			input := strings.TrimPrefix(line, "alsh> ")
			b.WriteString(line)
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "...> ") {
				i++
				b.WriteString(lines[i])
				input += strings.TrimPrefix(lines[i], "...> ")
			}
			b.WriteString(s.entry(input))
		case strings.HasPrefix(line, "$ alsh "):
			b.WriteString(line)
			b.WriteString(s.script(strings.Fields(strings.TrimPrefix(line, "$ alsh "))))
		case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" && i == len(lines)-1:
			b.WriteString(line)
		}
	}
	return b.String()
}

func (s *session) entry(input string) string {
	s.out.Reset()
	prog, err := lang.Parse("", input)
	if err == nil {
		if problems := s.interp.Check(prog); len(problems) > 0 {
			return s.problems(problems)
		}
		err = s.run(s.interp, prog)
	}
	return s.result(err)
}

// problems shows what Check found, as alsh does before refusing to run.
func (s *session) problems(problems []*lang.ParseError) string {
	for _, p := range problems {
		fmt.Fprintf(&s.out, "error: %v\n", p)
	}
	return s.out.String()
}

func (s *session) script(args []string) string {
	s.out.Reset()
	src, ok := s.files[args[0]]
	if !ok {
		s.t.Fatalf("no file %s in the archive", args[0])
	}
	prog, err := lang.Parse(args[0], src)
	if err == nil {
		in := lang.New(s.host, s.options(args[1:], false))
		if problems := in.Check(prog); len(problems) > 0 {
			return s.problems(problems)
		}
		err = s.run(in, prog)
	}
	return s.result(err)
}

func (s *session) run(in *lang.Interp, prog *lang.Program) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return in.Run(ctx, prog)
}

// result shows an entry's output and how it ended.
func (s *session) result(err error) string {
	var perr *lang.ParseError
	var exit lang.ExitStatus
	switch {
	case err == nil:
	case errors.As(err, &perr) && perr.Incomplete():
		fmt.Fprintf(&s.out, "syntax error (incomplete): %v\n", err)
	case errors.As(err, &perr):
		fmt.Fprintf(&s.out, "syntax error: %v\n", err)
	case errors.As(err, &exit):
		fmt.Fprintf(&s.out, "[exit %d]\n", int(exit))
	default:
		fmt.Fprintf(&s.out, "error: %v\n", err)
	}
	return s.out.String()
}

func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\nwant: %q\ngot:  %q", i+1, a, b)
		}
	}
	return ""
}

// TestHelpIndex checks that help lists every call of the table under its
// group, and the builtins and keywords.
func TestHelpIndex(t *testing.T) {
	var out bytes.Buffer
	in := lang.New(langtest.New(), lang.Options{Stdout: &out})
	prog, err := lang.Parse("", "help")
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Run(context.Background(), prog); err != nil {
		t.Fatal(err)
	}
	for _, c := range builtins.Table {
		if !strings.Contains(out.String(), c.Group+":") || !strings.Contains(out.String(), " "+c.Name) {
			t.Errorf("help does not list %s under %s:\n%s", c.Name, c.Group, out.String())
		}
	}
	for _, name := range append(lang.Keywords(), "print", "wait", "ps") {
		if !strings.Contains(out.String(), " "+name) {
			t.Errorf("help does not list %s", name)
		}
	}
}
