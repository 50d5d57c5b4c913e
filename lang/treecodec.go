package lang

import (
	binenc "encoding/binary"
	"errors"
	"fmt"

	"github.com/alecthomas/participle/v2/lexer"
)

// The syntax trees of the built-in library are stored in a compact form
// of their own: each node's exported fields in order, integers as
// varints, a pointer or an interface as a tag byte (0 for nil) and its
// node, a list as its length and its elements, positions without their
// file name (the module's). gob took 3.5–5 ms to decode the library
// (one type name per interface value, reflection), where this decodes
// the sandbox module in 1 ms on the same loaded VM, most of it the
// allocation of its 5200 nodes (BenchmarkDecodeStoredSandbox).
// TestTreeCodecCoversEveryField fills every field of every node type and
// checks that the tree comes back whole.

// treeEnc appends a tree's encoding to b.
type treeEnc struct{ b []byte }

func (e *treeEnc) uint(n uint64) { e.b = binenc.AppendUvarint(e.b, n) }
func (e *treeEnc) int(n int64)   { e.b = binenc.AppendVarint(e.b, n) }
func (e *treeEnc) flag(b bool) {
	if b {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *treeEnc) str(s string) {
	e.uint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *treeEnc) pos(p lexer.Position) {
	e.uint(uint64(p.Offset))
	e.uint(uint64(p.Line))
	e.uint(uint64(p.Column))
}

func encList[T any](e *treeEnc, l []T, f func(T)) {
	e.uint(uint64(len(l)))
	for _, x := range l {
		f(x)
	}
}

func encPtr[T any](e *treeEnc, p *T, f func(*T)) {
	e.flag(p != nil)
	if p != nil {
		f(p)
	}
}

// errTreeData is a stored tree that does not decode: the caller parses.
var errTreeData = errors.New("stored syntax tree: bad data")

// treeDec reads a tree from data, which it shares its strings with.
type treeDec struct {
	data string
	off  int
	file string // every position's file name
}

func (d *treeDec) uint() uint64 {
	var n uint64
	for shift := 0; ; shift += 7 {
		if d.off >= len(d.data) || shift > 63 {
			panic(errTreeData)
		}
		c := d.data[d.off]
		d.off++
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return n
		}
	}
}

func (d *treeDec) int() int64 {
	u := d.uint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *treeDec) count() int {
	n := d.uint()
	if n > uint64(len(d.data)-d.off) { // every element takes a byte at least
		panic(errTreeData)
	}
	return int(n)
}

func (d *treeDec) flag() bool { return d.uint() != 0 }

func (d *treeDec) str() string {
	n := d.count()
	s := d.data[d.off : d.off+n]
	d.off += n
	return s
}

func (d *treeDec) pos() lexer.Position {
	return lexer.Position{Filename: d.file, Offset: int(d.uint()), Line: int(d.uint()), Column: int(d.uint())}
}

func decList[T any](d *treeDec, f func() T) []T {
	n := d.count()
	if n == 0 {
		return nil
	}
	l := make([]T, n)
	for i := range l {
		l[i] = f()
	}
	return l
}

func decPtr[T any](d *treeDec, f func() *T) *T {
	if !d.flag() {
		return nil
	}
	return f()
}

// encodeTree encodes a program's tree.
func encodeTree(p *Program) []byte {
	e := &treeEnc{}
	e.pos(p.Pos)
	encList(e, p.Stmts, e.stmt)
	return e.b
}

// decodeTree decodes a program's tree, its positions in file.
func decodeTree(data, file string) (p *Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%w: %v", errTreeData, r)
		}
	}()
	d := &treeDec{data: data, file: file}
	p = &Program{Pos: d.pos()}
	p.Stmts = decList(d, d.stmt)
	if d.off != len(d.data) {
		return nil, errTreeData
	}
	return p, nil
}

// Statements, by tag.
const (
	tagAssign = 1 + iota
	tagIf
	tagFor
	tagWhile
	tagProc
	tagReturn
	tagBreak
	tagContinue
	tagTry
	tagExpect
	tagExprStmt
)

func (e *treeEnc) stmt(s Stmt) {
	switch s := s.(type) {
	case *Assign:
		e.uint(tagAssign)
		e.pos(s.Pos)
		e.varRef(s.Var)
		encPtr(e, s.Value, e.expr)
	case *If:
		e.uint(tagIf)
		e.ifStmt(s)
	case *For:
		e.uint(tagFor)
		e.pos(s.Pos)
		encPtr(e, s.Key, e.varRefPtr)
		e.varRef(s.Var)
		encPtr(e, s.List, e.expr)
		encPtr(e, s.Body, e.block)
	case *While:
		e.uint(tagWhile)
		e.pos(s.Pos)
		encPtr(e, s.Cond, e.expr)
		encPtr(e, s.Body, e.block)
	case *Proc:
		e.uint(tagProc)
		e.pos(s.Pos)
		e.str(s.Name)
		encList(e, s.Params, e.varRef)
		encPtr(e, s.Body, e.block)
	case *Return:
		e.uint(tagReturn)
		e.pos(s.Pos)
		encPtr(e, s.Value, e.expr)
	case *Break:
		e.uint(tagBreak)
		e.pos(s.Pos)
		e.str(s.Kw)
	case *Continue:
		e.uint(tagContinue)
		e.pos(s.Pos)
		e.str(s.Kw)
	case *Try:
		e.uint(tagTry)
		e.pos(s.Pos)
		encPtr(e, s.Body, e.block)
		encPtr(e, s.Var, e.varRefPtr)
		encPtr(e, s.Catch, e.block)
	case *Expect:
		e.uint(tagExpect)
		e.pos(s.Pos)
		e.pos(s.EndPos)
		e.str(s.Err)
		encPtr(e, s.Call, e.call)
		encPtr(e, s.Cond, e.expr)
	case *ExprStmt:
		e.uint(tagExprStmt)
		e.pos(s.Pos)
		encPtr(e, s.Expr, e.expr)
	default:
		panic(fmt.Sprintf("encodeTree: statement %T", s))
	}
}

func (d *treeDec) stmt() Stmt {
	switch d.uint() {
	case tagAssign:
		return &Assign{Pos: d.pos(), Var: d.varRef(), Value: decPtr(d, d.expr)}
	case tagIf:
		return d.ifStmt()
	case tagFor:
		return &For{Pos: d.pos(), Key: decPtr(d, d.varRefPtr), Var: d.varRef(), List: decPtr(d, d.expr), Body: decPtr(d, d.block)}
	case tagWhile:
		return &While{Pos: d.pos(), Cond: decPtr(d, d.expr), Body: decPtr(d, d.block)}
	case tagProc:
		return &Proc{Pos: d.pos(), Name: d.str(), Params: decList(d, d.varRef), Body: decPtr(d, d.block)}
	case tagReturn:
		return &Return{Pos: d.pos(), Value: decPtr(d, d.expr)}
	case tagBreak:
		return &Break{Pos: d.pos(), Kw: d.str()}
	case tagContinue:
		return &Continue{Pos: d.pos(), Kw: d.str()}
	case tagTry:
		return &Try{Pos: d.pos(), Body: decPtr(d, d.block), Var: decPtr(d, d.varRefPtr), Catch: decPtr(d, d.block)}
	case tagExpect:
		return &Expect{Pos: d.pos(), EndPos: d.pos(), Err: d.str(), Call: decPtr(d, d.call), Cond: decPtr(d, d.expr)}
	case tagExprStmt:
		return &ExprStmt{Pos: d.pos(), Expr: decPtr(d, d.expr)}
	}
	panic(errTreeData)
}

func (e *treeEnc) ifStmt(s *If) {
	e.pos(s.Pos)
	encPtr(e, s.Cond, e.expr)
	encPtr(e, s.Then, e.block)
	encPtr(e, s.Else, e.elseClause)
}

func (d *treeDec) ifStmt() *If {
	return &If{Pos: d.pos(), Cond: decPtr(d, d.expr), Then: decPtr(d, d.block), Else: decPtr(d, d.elseClause)}
}

func (e *treeEnc) elseClause(s *Else) {
	e.pos(s.Pos)
	encPtr(e, s.If, e.ifStmt)
	encPtr(e, s.Block, e.block)
}

func (d *treeDec) elseClause() *Else {
	return &Else{Pos: d.pos(), If: decPtr(d, d.ifStmt), Block: decPtr(d, d.block)}
}

func (e *treeEnc) block(b *Block) {
	e.pos(b.Pos)
	encList(e, b.Stmts, e.stmt)
}

func (d *treeDec) block() *Block { return &Block{Pos: d.pos(), Stmts: decList(d, d.stmt)} }

func (e *treeEnc) varRef(v VarRef) {
	e.str(v.Name)
	encList(e, v.Path, e.str)
}

func (d *treeDec) varRef() VarRef { return VarRef{Name: d.str(), Path: decList(d, d.str)} }

func (e *treeEnc) varRefPtr(v *VarRef) { e.varRef(*v) }

func (d *treeDec) varRefPtr() *VarRef {
	v := d.varRef()
	return &v
}

// Expressions.

func (e *treeEnc) expr(x *Expr) {
	e.pos(x.Pos)
	e.pos(x.EndPos)
	encList(e, x.Terms, e.andExpr)
}

func (d *treeDec) expr() *Expr {
	return &Expr{Pos: d.pos(), EndPos: d.pos(), Terms: decList(d, d.andExpr)}
}

func (e *treeEnc) andExpr(x *AndExpr) {
	e.pos(x.Pos)
	encList(e, x.Terms, e.notExpr)
}

func (d *treeDec) andExpr() *AndExpr { return &AndExpr{Pos: d.pos(), Terms: decList(d, d.notExpr)} }

func (e *treeEnc) notExpr(x *NotExpr) {
	e.pos(x.Pos)
	encPtr(e, x.Not, e.notExpr)
	encPtr(e, x.Cmp, e.cmpExpr)
}

func (d *treeDec) notExpr() *NotExpr {
	return &NotExpr{Pos: d.pos(), Not: decPtr(d, d.notExpr), Cmp: decPtr(d, d.cmpExpr)}
}

func (e *treeEnc) cmpExpr(x *CmpExpr) {
	e.pos(x.Pos)
	encPtr(e, x.Left, e.arith)
	e.str(x.Op)
	encPtr(e, x.Right, e.arith)
}

func (d *treeDec) cmpExpr() *CmpExpr {
	return &CmpExpr{Pos: d.pos(), Left: decPtr(d, d.arith), Op: d.str(), Right: decPtr(d, d.arith)}
}

func (e *treeEnc) arith(x *Arith) {
	e.pos(x.Pos)
	encPtr(e, x.Left, e.unary)
	encList(e, x.Rest, e.binOp)
}

func (d *treeDec) arith() *Arith {
	return &Arith{Pos: d.pos(), Left: decPtr(d, d.unary), Rest: decList(d, d.binOp)}
}

func (e *treeEnc) binOp(x *BinOp) {
	e.pos(x.Pos)
	e.str(x.Op)
	encPtr(e, x.Right, e.unary)
}

func (d *treeDec) binOp() *BinOp { return &BinOp{Pos: d.pos(), Op: d.str(), Right: decPtr(d, d.unary)} }

func (e *treeEnc) unary(x *Unary) {
	e.pos(x.Pos)
	e.str(x.Op)
	encPtr(e, x.X, e.unary)
	encPtr(e, x.Call, e.call)
	e.value(x.Value)
}

func (d *treeDec) unary() *Unary {
	return &Unary{Pos: d.pos(), Op: d.str(), X: decPtr(d, d.unary), Call: decPtr(d, d.call), Value: d.value()}
}

func (e *treeEnc) call(c *Call) {
	e.pos(c.Pos)
	e.pos(c.EndPos)
	e.str(c.Name)
	encList(e, c.Args, e.arg)
}

func (d *treeDec) call() *Call {
	return &Call{Pos: d.pos(), EndPos: d.pos(), Name: d.str(), Args: decList(d, d.arg)}
}

func (e *treeEnc) arg(a *Arg) {
	e.pos(a.Pos)
	encPtr(e, a.Record, e.recordLit)
	e.str(a.Word)
	e.value(a.Value)
}

func (d *treeDec) arg() *Arg {
	a := &Arg{Pos: d.pos(), Record: decPtr(d, d.recordLit), Word: d.str()}
	if v := d.value(); v != nil {
		av, ok := v.(ArgValue)
		if !ok {
			panic(errTreeData)
		}
		a.Value = av
	}
	return a
}

func (e *treeEnc) elem(x *Elem) {
	e.pos(x.Pos)
	encPtr(e, x.Left, e.elemUnary)
	encList(e, x.Rest, e.elemOp)
}

func (d *treeDec) elem() *Elem {
	return &Elem{Pos: d.pos(), Left: decPtr(d, d.elemUnary), Rest: decList(d, d.elemOp)}
}

func (e *treeEnc) elemOp(x *ElemOp) {
	e.pos(x.Pos)
	e.str(x.Op)
	encPtr(e, x.Right, e.elemUnary)
}

func (d *treeDec) elemOp() *ElemOp {
	return &ElemOp{Pos: d.pos(), Op: d.str(), Right: decPtr(d, d.elemUnary)}
}

func (e *treeEnc) elemUnary(x *ElemUnary) {
	e.pos(x.Pos)
	e.str(x.Op)
	encPtr(e, x.X, e.elemUnary)
	e.str(x.Word)
	e.value(x.Value)
}

func (d *treeDec) elemUnary() *ElemUnary {
	return &ElemUnary{Pos: d.pos(), Op: d.str(), X: decPtr(d, d.elemUnary), Word: d.str(), Value: d.value()}
}

// Values, by tag (0: none).
const (
	tagIntLit = 1 + iota
	tagStrLit
	tagRawLit
	tagBoolLit
	tagOkLit
	tagVarLit
	tagListLit
	tagRecordLit
	tagParen
	tagTimeLit
)

func (e *treeEnc) value(v Value) {
	switch v := v.(type) {
	case nil:
		e.uint(0)
	case *IntLit:
		e.uint(tagIntLit)
		e.pos(v.Pos)
		e.int(int64(v.N))
	case *StrLit:
		e.uint(tagStrLit)
		e.pos(v.Pos)
		encList(e, v.S.Parts, e.strPart)
	case *RawLit:
		e.uint(tagRawLit)
		e.pos(v.Pos)
		e.str(string(v.S))
	case *BoolLit:
		e.uint(tagBoolLit)
		e.pos(v.Pos)
		e.str(v.V)
	case *OkLit:
		e.uint(tagOkLit)
		e.pos(v.Pos)
		e.str(v.Kw)
	case *VarLit:
		e.uint(tagVarLit)
		e.pos(v.Pos)
		e.varRef(v.Ref)
		encList(e, v.Sels, e.selector)
	case *ListLit:
		e.uint(tagListLit)
		e.pos(v.Pos)
		encList(e, v.Elems, e.elem)
	case *RecordLit:
		e.uint(tagRecordLit)
		e.recordLit(v)
	case *Paren:
		e.uint(tagParen)
		e.pos(v.Pos)
		encPtr(e, v.X, e.expr)
		encList(e, v.Sels, e.selector)
	case *TimeLit:
		e.uint(tagTimeLit)
		e.pos(v.Pos)
		encPtr(e, v.Body, e.block)
	default:
		panic(fmt.Sprintf("encodeTree: value %T", v))
	}
}

func (d *treeDec) value() Value {
	switch d.uint() {
	case 0:
		return nil
	case tagIntLit:
		return &IntLit{Pos: d.pos(), N: Int(d.int())}
	case tagStrLit:
		return &StrLit{Pos: d.pos(), S: Str{Parts: decList(d, d.strPart)}}
	case tagRawLit:
		return &RawLit{Pos: d.pos(), S: Raw(d.str())}
	case tagBoolLit:
		return &BoolLit{Pos: d.pos(), V: d.str()}
	case tagOkLit:
		return &OkLit{Pos: d.pos(), Kw: d.str()}
	case tagVarLit:
		return &VarLit{Pos: d.pos(), Ref: d.varRef(), Sels: decList(d, d.selector)}
	case tagListLit:
		return &ListLit{Pos: d.pos(), Elems: decList(d, d.elem)}
	case tagRecordLit:
		return d.recordLit()
	case tagParen:
		return &Paren{Pos: d.pos(), X: decPtr(d, d.expr), Sels: decList(d, d.selector)}
	case tagTimeLit:
		return &TimeLit{Pos: d.pos(), Body: decPtr(d, d.block)}
	}
	panic(errTreeData)
}

func (e *treeEnc) strPart(p StrPart) {
	e.str(p.Lit)
	encPtr(e, p.Var, e.varRefPtr)
}

func (d *treeDec) strPart() StrPart { return StrPart{Lit: d.str(), Var: decPtr(d, d.varRefPtr)} }

func (e *treeEnc) selector(s *Selector) {
	e.pos(s.Pos)
	e.str(s.Field)
	encPtr(e, s.Index, e.expr)
	encPtr(e, s.Slice, e.slice)
}

func (d *treeDec) selector() *Selector {
	return &Selector{Pos: d.pos(), Field: d.str(), Index: decPtr(d, d.expr), Slice: decPtr(d, d.slice)}
}

func (e *treeEnc) slice(s *Slice) {
	e.pos(s.Pos)
	encPtr(e, s.From, e.expr)
	encPtr(e, s.To, e.expr)
}

func (d *treeDec) slice() *Slice {
	return &Slice{Pos: d.pos(), From: decPtr(d, d.expr), To: decPtr(d, d.expr)}
}

func (e *treeEnc) recordLit(r *RecordLit) {
	e.pos(r.Pos)
	encList(e, r.Fields, e.field)
}

func (d *treeDec) recordLit() *RecordLit {
	return &RecordLit{Pos: d.pos(), Fields: decList(d, d.field)}
}

func (e *treeEnc) field(f *Field) {
	e.pos(f.Pos)
	e.str(f.Name)
	encPtr(e, f.Value, e.elem)
}

func (d *treeDec) field() *Field {
	return &Field{Pos: d.pos(), Name: d.str(), Value: decPtr(d, d.elem)}
}
