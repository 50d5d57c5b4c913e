package lang

import (
	"errors"
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/alsh/alsh/builtins"
)

// expect checks an assertion; a failed one is an error named expect that
// quotes the assertion and says what was wanted and what came.
func (r *run) expect(s *Expect) error {
	if s.Call != nil {
		return r.expectFailure(s)
	}
	if cmp := singleCmp(s.Cond); cmp != nil && cmp.Op != "" {
		return r.expectCmp(s, cmp)
	}
	if c := bareCall(s.Cond); c != nil && r.isCommand(c) {
		return r.expectCall(s, c)
	}
	v, err := r.expr(s.Cond)
	if err != nil {
		return err
	}
	if ok, err := truth(s.Cond.Pos, v); err != nil || ok {
		return err
	}
	return r.expectFailed(s, "got %s", builtins.Format(v))
}

// expectFailure checks that a call fails with the named error.
func (r *run) expectFailure(s *Expect) error {
	if !r.isCommand(s.Call) {
		return r.unknownCommand(s.Call)
	}
	_, err := r.call(s.Call)
	var e *Error
	if err != nil && (!errors.As(err, &e) || !e.callFailed) {
		return err
	}
	switch {
	case err == nil:
		return r.expectFailed(s, "want %s, got success", s.Err)
	case e.Name != s.Err:
		return r.expectFailed(s, "want %s, got %s (%s)", s.Err, e.Name, e.Msg)
	}
	return nil
}

func (r *run) expectCmp(s *Expect, c *CmpExpr) error {
	left, err := c.Left.eval(r)
	if err != nil {
		return err
	}
	right, err := c.Right.eval(r)
	if err != nil {
		return err
	}
	ok, err := compare(c.Pos, c.Op, left, right)
	if err != nil || ok.(bool) {
		return err
	}
	want := builtins.Format(right)
	if c.Op != "==" {
		want = c.Op + " " + want
	}
	return r.expectFailed(s, "got %s, want %s", builtins.Format(left), want)
}

func (r *run) expectCall(s *Expect, c *Call) error {
	v, err := r.call(c)
	var e *Error
	if errors.As(err, &e) && e.callFailed {
		return r.expectFailed(s, "%s", e.Msg)
	}
	if err != nil {
		return err
	}
	if v == false {
		return r.expectFailed(s, "got false")
	}
	return nil
}

func (r *run) expectFailed(s *Expect, format string, args ...any) error {
	msg := fmt.Sprintf("expect %s: %s", r.quote(s.Pos, s.EndPos), fmt.Sprintf(format, args...))
	return &Error{Pos: s.Pos, Name: "expect", Msg: msg, callFailed: true}
}

// quote returns the source text of an expect after the keyword, its
// lines (and backslash-newlines) joined into one.
func (r *run) quote(from, to lexer.Position) string {
	if from.Offset < 0 || to.Offset > len(r.src) || from.Offset >= to.Offset {
		return "…"
	}
	text := strings.TrimPrefix(strings.TrimSpace(r.src[from.Offset:to.Offset]), "expect")
	text = strings.ReplaceAll(text, "\\\n", " ")
	return strings.Join(strings.Fields(text), " ")
}
