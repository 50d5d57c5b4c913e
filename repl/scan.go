package repl

import "strings"

// token is a piece of the line before the cursor, as completion sees it.
type token struct {
	kind  tokKind
	text  string
	start int // rune offset in the line
}

type tokKind int

const (
	tokWord    tokKind = iota // identifier, keyword, number or $variable
	tokString                 // a string, closed or not
	tokOpen                   // [ { (
	tokClose                  // ] } )
	tokSep                    // newline or ;
	tokOp                     // = + - * / < > ! , :
	tokComment                // # to the end of the line
)

// tokenize splits line into tokens; it never fails, as the line is being
// typed. Comments run to the end of the line.
func tokenize(line []rune) []token {
	var toks []token
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\\':
			i++
		case c == '#':
			end := i
			for end < len(line) && line[end] != '\n' {
				end++
			}
			toks = append(toks, token{tokComment, string(line[i:end]), i})
			i = end
		case c == '\n' || c == ';':
			toks = append(toks, token{tokSep, string(c), i})
			i++
		case c == '"' || c == '\'':
			end := stringEnd(line, i)
			toks = append(toks, token{tokString, string(line[i:end]), i})
			i = end
		case strings.ContainsRune("[{(", c):
			toks = append(toks, token{tokOpen, string(c), i})
			i++
		case strings.ContainsRune("]})", c):
			toks = append(toks, token{tokClose, string(c), i})
			i++
		case isWordRune(c):
			end := i
			for end < len(line) && isWordRune(line[end]) {
				end++
			}
			toks = append(toks, token{tokWord, string(line[i:end]), i})
			i = end
		default:
			toks = append(toks, token{tokOp, string(c), i})
			i++
		}
	}
	return toks
}

// stringEnd returns the offset just past the string starting at i, or
// the line's end when it is not closed.
func stringEnd(line []rune, i int) int {
	quote := line[i]
	for j := i + 1; j < len(line); j++ {
		switch {
		case line[j] == '\\' && quote == '"':
			j++
		case line[j] == quote:
			return j + 1
		}
	}
	return len(line)
}

func isWordRune(c rune) bool {
	return c == '_' || c == '$' || c == '.' || c == '-' || c == '/' ||
		c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// frame is an open construct the cursor is inside: a statement (at the
// top, in a block or in parentheses), a list or a record.
type frame struct {
	kind    rune   // statements: 's' top, 'b' block, '(' parentheses; '[' list, '{' record
	command string // the statement's command, once seen
	args    int    // arguments of the command completed so far
	expect  bool   // the statement began with expect: an errno name comes first
	block   bool   // the statement began with a keyword whose { opens a block
	elems   []string
}

// blockKeywords start statements whose braces are blocks.
var blockKeywords = map[string]bool{"if": true, "else": true, "while": true,
	"for": true, "proc": true, "try": true, "catch": true}

// exprKeywords are followed by an expression: a command may come next.
var exprKeywords = map[string]bool{"and": true, "or": true, "not": true,
	"return": true, "in": true}

// scan walks the tokens and returns the stack of open frames, innermost
// last.
func scan(toks []token) []*frame {
	stack := []*frame{{kind: 's'}}
	for _, tok := range toks {
		stack = step(stack, tok)
	}
	return stack
}

func step(stack []*frame, tok token) []*frame {
	top := stack[len(stack)-1]
	switch tok.kind {
	case tokSep:
		if top.statement() {
			*top = frame{kind: top.kind}
		}
	case tokOp:
		if top.statement() && tok.text != "," && tok.text != ":" {
			*top = frame{kind: top.kind, block: top.block}
		}
	case tokOpen:
		return open(stack, top, tok.text)
	case tokClose:
		return closeFrame(stack)
	case tokComment:
	default:
		top.word(tok)
	}
	return stack
}

// statement says whether the frame holds statements or an expression.
func (f *frame) statement() bool { return f.kind == 's' || f.kind == 'b' || f.kind == '(' }

// word adds a word or string to a frame.
func (f *frame) word(tok token) {
	switch {
	case f.kind == '[':
		f.elems = append(f.elems, tok.text)
	case !f.statement():
	case tok.kind == tokWord && blockKeywords[tok.text]:
		*f = frame{kind: f.kind, block: true}
	case tok.kind == tokWord && exprKeywords[tok.text]:
		*f = frame{kind: f.kind, block: f.block}
	case tok.kind == tokWord && tok.text == "expect":
		*f = frame{kind: f.kind, expect: true}
	case f.expect && f.command == "" && f.args == 0:
		f.args = -1 // the errno name; the command follows
	case f.command == "" && tok.kind == tokWord && !strings.HasPrefix(tok.text, "$"):
		f.command, f.args = tok.text, 0
	case f.command != "":
		f.args++
	}
}

func open(stack []*frame, top *frame, br string) []*frame {
	switch {
	case br == "[" || br == "(":
		return append(stack, &frame{kind: rune(br[0])})
	case top.statement() && (top.block || top.command == ""):
		return append(stack, &frame{kind: 'b'})
	}
	return append(stack, &frame{kind: '{'})
}

// closeFrame pops a frame; a closed list or record counts as an argument
// of the construct around it.
func closeFrame(stack []*frame) []*frame {
	if len(stack) == 1 {
		return stack
	}
	closed := stack[len(stack)-1]
	stack = stack[:len(stack)-1]
	top := stack[len(stack)-1]
	switch {
	case closed.kind == 'b':
		*top = frame{kind: top.kind, block: true}
	case top.kind == '[':
		top.elems = append(top.elems, "…")
	case top.statement() && top.command != "":
		top.args++
	}
	return stack
}
