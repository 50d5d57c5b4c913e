package lang

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/alsh/alsh/lib"
)

// TestTreeCodecCoversEveryField fills every exported field of every node
// type (each statement and value type in turn where an interface stands)
// and checks that encoding and decoding gives the same tree: a field the
// codec forgets fails here.
func TestTreeCodecCoversEveryField(t *testing.T) {
	f := &treeFiller{file: "lib/x.alsh", next: map[reflect.Type]int{}, complete: map[reflect.Type]bool{}}
	var progs []*Program
	for range 4 { // enough for every implementation of each interface to come up
		progs = append(progs, f.tree())
	}
	for _, typ := range astTypes() {
		if !f.complete[typ] {
			t.Errorf("%v was never filled whole: deepen the filler", typ)
		}
	}
	for i, p := range progs {
		got, err := decodeTree(string(encodeTree(p)), f.file)
		if err != nil {
			t.Fatalf("tree %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Fatalf("tree %d differs after a round trip:\n got %s\nwant %s", i, treeJSON(t, got), treeJSON(t, p))
		}
	}
}

// TestTreeCodecRefusesBadData: a stored tree cut short or with a byte
// changed is an error (the module is then parsed), never a panic.
func TestTreeCodecRefusesBadData(t *testing.T) {
	trees, err := indexTrees(string(lib.Parsed))
	if err != nil {
		t.Fatal(err)
	}
	tree := trees["lib/run.alsh"].tree
	if _, err := decodeTree(tree, "lib/run.alsh"); err != nil {
		t.Fatal(err)
	}
	for n := range len(tree) {
		if _, err := decodeTree(tree[:n], "lib/run.alsh"); err == nil {
			t.Fatalf("a tree cut at %d of %d bytes decoded", n, len(tree))
		}
		bad := []byte(tree)
		bad[n] ^= 0xff
		decodeTree(string(bad), "lib/run.alsh") // may decode to another tree; must not panic
	}
	for _, data := range []string{"", "alsh-trees 0\n", treesMagic + "\x05", treesMagic + "\x01\x03abc"} {
		if _, err := indexTrees(data); err == nil {
			t.Errorf("indexTrees(%q) = nil error", data)
		}
	}
}

// astTypes are the node types a tree is made of, and those of their
// fields.
func astTypes() []reflect.Type {
	var out []reflect.Type
	for _, v := range []any{Program{}, Block{}, Assign{}, If{}, Else{}, For{}, While{}, Proc{}, Return{}, Break{}, Continue{},
		Try{}, Expect{}, ExprStmt{}, Expr{}, AndExpr{}, NotExpr{}, CmpExpr{}, Arith{}, BinOp{}, Unary{}, Call{}, Arg{},
		Elem{}, ElemOp{}, ElemUnary{}, IntLit{}, StrLit{}, RawLit{}, BoolLit{}, OkLit{}, VarLit{}, Selector{}, Slice{},
		ListLit{}, RecordLit{}, Field{}, Paren{}, TimeLit{}, VarRef{}, Str{}, StrPart{}} {
		out = append(out, reflect.TypeOf(v))
	}
	return out
}

// treeFiller sets every exported field. Each node type gets its nodes
// (pointers, lists, interfaces) filled fillsPerType times a tree, then
// only its strings and numbers: that ends the recursion.
type treeFiller struct {
	file     string
	n        int
	next     map[reflect.Type]int  // the implementation an interface gets next
	fills    map[reflect.Type]int  // this tree's whole fills, by type
	complete map[reflect.Type]bool // filled whole once
}

const fillsPerType = 4

var posType = reflect.TypeOf(lexer.Position{})

// tree fills a new program.
func (f *treeFiller) tree() *Program {
	f.fills = map[reflect.Type]int{}
	p := &Program{}
	f.fill(reflect.ValueOf(p).Elem(), true)
	return p
}

func (f *treeFiller) fill(v reflect.Value, whole bool) {
	f.n++
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == posType {
			v.Set(reflect.ValueOf(lexer.Position{Filename: f.file, Offset: f.n, Line: f.n + 1, Column: f.n + 2}))
			return
		}
		whole = f.fills[v.Type()] < fillsPerType
		if whole {
			f.fills[v.Type()]++
			f.complete[v.Type()] = true
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), whole)
			}
		}
	case reflect.Pointer:
		if whole {
			p := reflect.New(v.Type().Elem())
			f.fill(p.Elem(), true)
			v.Set(p)
		}
	case reflect.Slice:
		if !whole {
			return
		}
		n := 2
		if v.Type().Elem().Kind() == reflect.Interface {
			n = len(implementations(v.Type().Elem()))
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i), true)
		}
		v.Set(s)
	case reflect.Interface:
		if !whole {
			return
		}
		impls := implementations(v.Type())
		k := f.next[v.Type()] % len(impls)
		f.next[v.Type()]++
		p := reflect.New(impls[k])
		f.fill(p.Elem(), true)
		v.Set(p)
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", f.n))
	case reflect.Int, reflect.Int64:
		v.SetInt(-int64(f.n) * 1000003)
	default:
		panic(fmt.Sprintf("treeFiller: %v", v.Type()))
	}
}

// implementations are the node types that implement the interface typ.
func implementations(typ reflect.Type) []reflect.Type {
	var out []reflect.Type
	for _, t := range astTypes() {
		if reflect.PointerTo(t).Implements(typ) {
			out = append(out, t)
		}
	}
	return out
}
