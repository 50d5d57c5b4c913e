package lang_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang"
	"github.com/alsh/alsh/lang/langtest"
)

func run(t *testing.T, in *lang.Interp, ctx context.Context, src string) error {
	t.Helper()
	prog, err := lang.Parse("test.alsh", src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return in.Run(ctx, prog)
}

// TestInterpKeepsState runs entries one at a time, as a REPL does.
func TestInterpKeepsState(t *testing.T) {
	in := lang.New(langtest.New(), lang.Options{Args: []string{"a"}})
	ctx := context.Background()
	for _, src := range []string{"$c = fork []", "proc f $x { return $x }", "$d = f $c"} {
		if err := run(t, in, ctx, src); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
	}
	if got, want := in.Vars(), []string{"args", "c", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Vars() = %v, want %v", got, want)
	}
	if got, want := in.Procs(), []string{"f"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Procs() = %v, want %v", got, want)
	}
	if v, ok := in.Var("d"); !ok || v != int64(langtest.FirstPid) {
		t.Errorf("Var(d) = %v, %v", v, ok)
	}
}

// TestCancel checks that cancelling the context interrupts a running
// statement, and that try does not swallow the interruption.
func TestCancel(t *testing.T) {
	for _, src := range []string{"sleep 60000", "try { sleep 60000 } catch $e { }",
		"$c = fork []\nwait stdout [$c] \"never\" 60000", "while true { }",
		"proc spin { while true { } }\nspin", "for $i in (range 100000) { sleep 1 }"} {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		start := time.Now()
		err := run(t, lang.New(langtest.New(), lang.Options{}), ctx, src)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%q: err = %v, want the context's error", src, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%q: took %v to stop", src, d)
		}
	}
}

// TestErrors checks the error types Run returns.
func TestErrors(t *testing.T) {
	host := langtest.New()
	in := lang.New(host, lang.Options{})
	err := run(t, in, context.Background(), "\n  chdir [] 1")
	var e *lang.Error
	if !errors.As(err, &e) || e.Name != "badarg" || e.Pos.Line != 2 || e.Pos.Column != 3 {
		t.Errorf("err = %#v, want a badarg *lang.Error at 2:3", err)
	}
	if err.Error() != "test.alsh:2:3: chdir: argument 1 (path): want string, got int 1" {
		t.Errorf("err = %q", err)
	}
	// a node's refusal of the arguments, as the engine hands it on
	host.Reply("cgroup_set", langtest.Reply{Err: fmt.Errorf("%w: cgroup_set: argument 2 (file): no memory.maxx", builtins.ErrBadArg)})
	err = run(t, in, context.Background(), `cgroup_set [] "x" "memory.maxx" "1"`)
	if !errors.As(err, &e) || e.Name != "badarg" || e.Msg != "cgroup_set: argument 2 (file): no memory.maxx" {
		t.Errorf("a node's badarg: %#v, want named badarg, the message once", err)
	}
	err = run(t, in, context.Background(), "exit 3")
	if status, ok := errors.AsType[lang.ExitStatus](err); !ok || status != 3 || err.Error() != "exit status 3" {
		t.Errorf("err = %v, want ExitStatus 3", err)
	}
	err = run(t, lang.New(host, lang.Options{ReadFile: func(string) ([]byte, error) { return []byte("("), nil }}),
		context.Background(), `source "x.alsh"`)
	if pe, ok := errors.AsType[*lang.ParseError](err); !ok || !pe.Incomplete() {
		t.Errorf("source of a bad file: err = %v, want an incomplete *lang.ParseError", err)
	}
}

// TestInteractive checks what is echoed: values of top-level expressions
// and assignments, not of print or of statements inside blocks.
func TestInteractive(t *testing.T) {
	var out bytes.Buffer
	in := lang.New(langtest.New(), lang.Options{Stdout: &out, Interactive: true})
	src := "1\n$x = 2\nprint \"p\"\nif true { 3 }\n$c = fork []\nstdin [$c] \"x\"\nchdir [$c] \"/\"\n"
	if err := run(t, in, context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "1\n2\np\n100\nok\n"; got != want {
		t.Errorf("echoed %q, want %q", got, want)
	}
	out.Reset()
	quiet := lang.New(langtest.New(), lang.Options{Stdout: &out})
	if err := run(t, quiet, context.Background(), src); err != nil || out.String() != "p\n" {
		t.Errorf("not interactive: echoed %q, %v", out.String(), err)
	}
}

// TestBuiltinExamples runs each builtin's help example on the fake host.
func TestBuiltinExamples(t *testing.T) {
	for name, example := range lang.BuiltinExamples() {
		in := lang.New(langtest.New(), lang.Options{ReadFile: func(string) ([]byte, error) { return nil, nil },
			WriteFile: func(string, []byte) error { return nil }})
		setup := "$c = fork []\nexecvp [$c] \"cat\" [\"cat\"]\nstdin [$c] \"ready\"\n"
		checkExample(t, name, example, run(t, in, context.Background(), setup+example))
	}
}

// checkExample checks how an example ended: fail fails, exit exits, and
// every other example succeeds.
func checkExample(t *testing.T, name, example string, err error) {
	t.Helper()
	switch name {
	case "fail":
		if e, ok := errors.AsType[*lang.Error](err); !ok || e.Name != "error" {
			t.Errorf("%s: example %q: err = %v, want a *lang.Error named error", name, example, err)
		}
	case "exit":
		if _, ok := errors.AsType[lang.ExitStatus](err); !ok {
			t.Errorf("%s: example %q: err = %v, want an ExitStatus", name, example, err)
		}
	default:
		if err != nil {
			t.Errorf("%s: example %q: %v", name, example, err)
		}
	}
}

func TestParseErrorPosition(t *testing.T) {
	_, err := lang.Parse("f.alsh", "print 1\nprint )\n")
	pe, ok := errors.AsType[*lang.ParseError](err)
	if !ok || pe.Pos.Line != 2 || pe.Pos.Column != 7 || pe.Incomplete() {
		t.Fatalf("err = %v", err)
	}
	if got := pe.Error(); got != `f.alsh:2:7: unexpected ")"` {
		t.Errorf("Error() = %q", got)
	}
}

// TestBuiltinArity checks that the check knows how many arguments every
// builtin takes: a builtin called with far too many is reported.
func TestBuiltinArity(t *testing.T) {
	in := lang.New(langtest.New(), lang.Options{})
	for name := range lang.BuiltinExamples() {
		prog, err := lang.Parse("", name+" 1 2 3 4 5 6 7 8 9 10 11 12")
		if err != nil {
			t.Fatal(err)
		}
		problems := in.Check(prog)
		switch name {
		case "print", "echo", "format", "timeout":
			continue
		}
		if len(problems) != 1 || !strings.Contains(problems[0].Msg, "want") {
			t.Errorf("%s with 12 arguments: check says %v", name, problems)
		}
	}
}

// TestCallRunsCommandsWithoutParsing: Interp.Call runs a table call, a
// builtin, a script's procedure and a module's, with Go values for
// arguments, as the statement would.
func TestCallRunsCommandsWithoutParsing(t *testing.T) {
	in := lang.New(langtest.New(), lang.Options{})
	ctx := context.Background()
	if err := run(t, in, ctx, "proc add $a $b { return $a + $b }"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []any
		want any
	}{
		{"fork", []any{[]any{}}, int64(langtest.FirstPid)},
		{"len", []any{[]string{"a", "b"}}, int64(2)},
		{"add", []any{2, 3}, int64(5)},
		{"use", []any{"sandbox"}, nil},
		{"sandbox.octal", []any{0o1777}, "1777"},
	} {
		got, err := in.Call(ctx, c.name, c.args...)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Call(%s %v) = %#v, %v; want %#v", c.name, c.args, got, err, c.want)
		}
	}
	for _, c := range []struct {
		name string
		args []any
		want string
	}{
		{"add", []any{1}, "add: want 2 arguments, got 1"},
		{"nosuch", nil, "unknown command nosuch"},
		{"fork", nil, "fork: missing pipeline"},
		{"kill", []any{[]any{}, "x", "sigterm"}, "kill: "},
	} {
		_, err := in.Call(ctx, c.name, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Call(%s %v): err = %v, want %q", c.name, c.args, err, c.want)
		}
	}
}
