package lang

import (
	"fmt"

	"github.com/alecthomas/participle/v2/lexer"
)

// maxNesting bounds how deep a program nests: brackets, braces and
// parentheses, prefix operators in a row (- ~ not) and else-if chains.
// Both parsers recurse once a level, and participle's frames are large:
// a hundred thousand open parentheses overflowed the goroutine's stack,
// a fatal error that no recover catches. No script nests so deep.
const maxNesting = 1000

// nestingError is the error of tokens that nest deeper than maxNesting,
// at the token that goes one level too deep; nil for any others.
func nestingError(toks []lexer.Token) *ParseError {
	n := nesting{chains: []int{0}}
	for _, t := range toks {
		if !elided(t.Type) && n.take(t) > maxNesting {
			return &ParseError{Pos: t.Pos, Msg: fmt.Sprintf("nested more than %d levels deep", maxNesting)}
		}
	}
	return nil
}

// nesting follows the levels open at each token.
type nesting struct {
	brackets int    // open brackets, braces and parentheses
	chains   []int  // else-ifs of the statement going on, at each bracket depth
	chained  int    // their sum
	prefix   int    // prefix operators in a row
	prev     string // the token before
}

// take counts token t in, and returns the levels open at it.
func (n *nesting) take(t lexer.Token) int {
	v := t.Value
	if t.Type == tokNL && n.prev == "else" { // else, newlines, then if: the chain goes on
		return n.brackets + n.chained
	}
	switch {
	case t.Type == tokOp && (v == "(" || v == "[" || v == "{" || v == ".(" || v == ".["):
		n.brackets++
		n.chains = append(n.chains, 0)
	case t.Type == tokOp && (v == ")" || v == "]" || v == "}") && n.brackets > 0:
		n.chained -= n.chains[n.brackets]
		n.chains = n.chains[:n.brackets]
		n.brackets--
	case t.Type == tokNL || t.Type == tokOp && v == ";": // a statement ends
		n.chained -= n.chains[n.brackets]
		n.chains[n.brackets] = 0
	case t.Type == tokKeyword && v == "if" && n.prev == "else":
		n.chains[n.brackets]++
		n.chained++
	}
	if (isOp(t.Type) && (v == "-" || v == "~")) || (t.Type == tokKeyword && v == "not") {
		n.prefix++
	} else {
		n.prefix = 0
	}
	n.prev = v
	return n.brackets + n.chained + n.prefix
}
