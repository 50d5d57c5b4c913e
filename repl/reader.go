package repl

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/chzyer/readline"

	"github.com/alsh/alsh/lang"
)

// errDiscarded means the user threw the entry away (Ctrl-C, or Ctrl-D in
// the middle of a multi-line entry).
var errDiscarded = errors.New("entry discarded")

// readEntry reads lines until they parse or fail to parse for a reason
// other than being incomplete. An empty entry gives a nil program and no
// error; io.EOF means Ctrl-D on an empty first line.
func (r *repl) readEntry() (string, *lang.Program, error) {
	var lines []string
	for {
		line, err := r.readLine(r.prompt(len(lines) > 0))
		if err != nil {
			return "", nil, r.lineError(err, lines)
		}
		lines = append(lines, decodeEntry(line))
		src := strings.Join(lines, "\n")
		if strings.TrimSpace(src) == "" {
			return "", nil, nil
		}
		if len(lines) == 1 && strings.HasPrefix(strings.TrimSpace(src), ":") {
			return src, nil, nil
		}
		prog, err := lang.Parse("", src)
		if pe, ok := errors.AsType[*lang.ParseError](err); ok && pe.Incomplete() {
			continue
		}
		return src, prog, err
	}
}

// readLine reads one line with the printer told that a line is being
// edited, so asynchronous output goes around it.
func (r *repl) readLine(prompt string) (string, error) {
	r.rl.SetPrompt(prompt)
	r.pr.setEditing(true)
	defer r.pr.setEditing(false)
	return r.rl.Readline()
}

// lineError turns the editor's error into the entry's.
func (r *repl) lineError(err error, lines []string) error {
	switch {
	case errors.Is(err, readline.ErrInterrupt):
		return errDiscarded
	case errors.Is(err, io.EOF) && len(lines) > 0:
		r.pr.errorf("alsh: incomplete entry discarded\n")
		return errDiscarded
	}
	return err
}

// showParseError prints a syntax error with a caret under its column.
func (r *repl) showParseError(src string, err error) {
	pe, ok := errors.AsType[*lang.ParseError](err)
	lines := strings.Split(src, "\n")
	if !ok || pe.Pos.Line < 1 || pe.Pos.Line > len(lines) {
		r.pr.errorf("error: %v\n", err)
		return
	}
	col := max(pe.Pos.Column, 1)
	r.pr.errorf("  %s\n  %s^\n%s\n", lines[pe.Pos.Line-1],
		strings.Repeat(" ", col-1), syntaxMessage(src, pe))
}

// showProblems prints what the check found in an entry, which then does
// not run: each problem with a caret under its column.
func (r *repl) showProblems(src string, problems []*lang.ParseError) {
	lines := strings.Split(src, "\n")
	for _, p := range problems {
		msg := "error: " + p.Msg
		if len(lines) > 1 {
			msg = fmt.Sprintf("error: line %d:%d: %s", p.Pos.Line, p.Pos.Column, p.Msg)
		}
		if p.Pos.Line < 1 || p.Pos.Line > len(lines) {
			r.pr.errorf("%s\n", msg)
			continue
		}
		r.pr.errorf("  %s\n  %s^\n%s\n", lines[p.Pos.Line-1], strings.Repeat(" ", max(p.Pos.Column, 1)-1), msg)
	}
}

// syntaxMessage words a parse error, with the line only when the entry
// has several.
func syntaxMessage(src string, pe *lang.ParseError) string {
	if strings.Contains(src, "\n") {
		return fmt.Sprintf("syntax error: line %d:%d: %s", pe.Pos.Line, pe.Pos.Column, pe.Msg)
	}
	return "syntax error: " + pe.Msg
}
