package lang

import (
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/alsh/alsh/builtins"
)

// precedence orders the binary operators below comparison, loosest
// first, as in Python: | then ^ then & then shifts, sums, products.
var precedence = map[string]int{"|": 1, "^": 2, "&": 3, "<<": 4, ">>": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}

// operand is one operand of an Arith or an Elem.
type operand interface {
	eval(r *run) (any, error)
}

// opNode is the tree of a chain of operators, built once by precedence
// climbing: a leaf holds an operand, an inner node an operator.
type opNode struct {
	leaf        operand
	op          string
	pos         lexer.Position
	left, right *opNode
}

// opChain is the flat form the grammar gives: operands[0] op[0]
// operands[1] op[1] …
type opChain struct {
	operands []operand
	ops      []string
	pos      []lexer.Position
}

// buildTree applies the precedence of the operators to a chain.
func buildTree(c opChain) *opNode {
	i := 0
	left := &opNode{leaf: c.operands[0]}
	return climb(c, &i, 1, left)
}

func climb(c opChain, i *int, minPrec int, left *opNode) *opNode {
	for *i < len(c.ops) && precedence[c.ops[*i]] >= minPrec {
		k := *i
		*i++
		right := &opNode{leaf: c.operands[*i]}
		for *i < len(c.ops) && precedence[c.ops[*i]] > precedence[c.ops[k]] {
			right = climb(c, i, precedence[c.ops[k]]+1, right)
		}
		left = &opNode{op: c.ops[k], pos: c.pos[k], left: left, right: right}
	}
	return left
}

// evalTree evaluates the tree from the left.
func (r *run) evalTree(n *opNode) (any, error) {
	if n.leaf != nil {
		return n.leaf.eval(r)
	}
	a, err := r.evalTree(n.left)
	if err != nil {
		return nil, err
	}
	b, err := r.evalTree(n.right)
	if err != nil {
		return nil, err
	}
	return binary(n.pos, n.op, a, b)
}

func (a *Arith) eval(r *run) (any, error) {
	switch len(a.Rest) {
	case 0:
		return r.unary(a.Left)
	case 1: // the common case, without a tree
		x, err := r.unary(a.Left)
		if err != nil {
			return nil, err
		}
		y, err := r.unary(a.Rest[0].Right)
		if err != nil {
			return nil, err
		}
		return binary(a.Rest[0].Pos, a.Rest[0].Op, x, y)
	}
	if a.tree == nil {
		c := opChain{operands: []operand{a.Left}}
		for _, o := range a.Rest {
			c.operands, c.ops, c.pos = append(c.operands, o.Right), append(c.ops, o.Op), append(c.pos, o.Pos)
		}
		a.tree = buildTree(c)
	}
	return r.evalTree(a.tree)
}

func (e *Elem) eval(r *run) (any, error) {
	if len(e.Rest) == 0 {
		return e.Left.eval(r)
	}
	if e.tree == nil {
		c := opChain{operands: []operand{e.Left}}
		for _, o := range e.Rest {
			c.operands, c.ops, c.pos = append(c.operands, o.Right), append(c.ops, o.Op), append(c.pos, o.Pos)
		}
		e.tree = buildTree(c)
	}
	return r.evalTree(e.tree)
}

func (u *Unary) eval(r *run) (any, error) { return r.unary(u) }

func (u *ElemUnary) eval(r *run) (any, error) {
	switch {
	case u.X != nil:
		v, err := u.X.eval(r)
		if err != nil {
			return nil, err
		}
		return prefix(u.Pos, u.Op, v)
	case u.Value != nil:
		return r.value(u.Value)
	}
	return builtins.Const(u.Word), nil
}

// prefix applies a unary - or ~.
func prefix(pos lexer.Position, op string, v any) (any, error) {
	if op == "-" {
		return binary(pos, "-", int64(0), v)
	}
	n, ok := v.(int64)
	if !ok {
		return nil, mistake(pos, "cannot compute ~%s: want an int", describe(v))
	}
	return ^n, nil
}

// binary applies a binary operator.
func binary(pos lexer.Position, op string, a, b any) (any, error) {
	switch op {
	case "|", "^", "&", "<<", ">>":
		return bits(pos, op, a, b)
	}
	return arith(pos, op, a, b)
}

// bits applies | ^ & << >> to ints. | also takes constants and lists of
// flags, giving the list of both sides, which a call that takes flags ORs
// once it knows the constants' table: clone_newpid | clone_newns.
func bits(pos lexer.Position, op string, a, b any) (any, error) {
	if op == "|" && (isFlag(a) || isFlag(b)) {
		if fa, fb := flagList(a), flagList(b); fa != nil && fb != nil {
			return append(fa, fb...), nil
		}
	}
	x, okA := a.(int64)
	y, okB := b.(int64)
	if !okA || !okB {
		return nil, mistake(pos, "cannot compute %s %s %s: want ints%s", describe(a), op, describe(b), okHint(a))
	}
	switch op {
	case "|":
		return x | y, nil
	case "^":
		return x ^ y, nil
	case "&":
		return x & y, nil
	}
	if y < 0 || y >= 64 {
		return nil, mistake(pos, "cannot compute %d %s %d: shift count must be 0 to 63", x, op, y)
	}
	if op == "<<" {
		return x << y, nil
	}
	return x >> y, nil
}

// isFlag says whether v is a constant or a list holding one.
func isFlag(v any) bool {
	switch v := v.(type) {
	case builtins.Const:
		return true
	case []any:
		for _, e := range v {
			if _, ok := e.(builtins.Const); ok {
				return true
			}
		}
	}
	return false
}

// flagList is v as a list of flags (constants and ints), or nil when v
// holds anything else.
func flagList(v any) []any {
	switch v := v.(type) {
	case builtins.Const, int64:
		return []any{v}
	case []any:
		for _, e := range v {
			switch e.(type) {
			case builtins.Const, int64:
			default:
				return nil
			}
		}
		return append([]any{}, v...)
	}
	return nil
}
