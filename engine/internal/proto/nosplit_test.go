package proto

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A function marked //go:nosplit runs where no Go runtime may run (doc.go):
// it may call only functions of this package marked so, functions without
// a Go body (assembly, and the runtime's fork hooks it links to), the raw
// syscalls, and the builtins that compile to plain code. No closure, defer
// or go statement. This reads the package's source, so that a call marked
// RuntimeFree (rawcalls_linux.go) cannot reach the runtime unnoticed.
func TestNosplitCallsOnlyNosplit(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var decls []*ast.FuncDecl
	types := map[string]bool{}
	for _, name := range files {
		if match, err := build.Default.MatchFile(".", name); strings.HasSuffix(name, "_test.go") || err != nil || !match {
			continue // the files of this build only
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				decls = append(decls, d)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						types[ts.Name.Name] = true
					}
				}
			}
		}
	}
	// By name (methods and functions alike): nosplit when every
	// declaration with a Go body is.
	nosplit := map[string]bool{}
	for _, d := range decls {
		name := d.Name.Name
		if _, seen := nosplit[name]; !seen {
			nosplit[name] = true
		}
		if d.Body != nil && !isNosplit(d) {
			nosplit[name] = false
		}
	}
	for _, root := range []string{"protoMain", "protoServe", "protoRaw", "Plan", "Make", "Accepts", "rawForkProto"} {
		if !nosplit[root] {
			t.Errorf("%s is not nosplit", root)
		}
	}
	for _, d := range decls {
		if d.Body == nil || !isNosplit(d) {
			continue
		}
		ast.Inspect(d.Body, func(n ast.Node) bool {
			where := func() string { return fset.Position(n.Pos()).String() + " in " + d.Name.Name }
			switch n := n.(type) {
			case *ast.FuncLit:
				t.Errorf("%s: a closure", where())
			case *ast.DeferStmt, *ast.GoStmt:
				t.Errorf("%s: defer or go", where())
			case *ast.CallExpr:
				if why := callNotAllowed(n.Fun, nosplit, types); why != "" {
					t.Errorf("%s: %s", where(), why)
				}
			}
			return true
		})
	}
}

func isNosplit(d *ast.FuncDecl) bool {
	return d.Doc != nil && strings.Contains(d.Doc.Text()+"\n"+commentText(d.Doc), "//go:nosplit")
}

func commentText(g *ast.CommentGroup) string {
	var b strings.Builder
	for _, c := range g.List {
		b.WriteString(c.Text + "\n")
	}
	return b.String()
}

var (
	plainBuiltins = map[string]bool{"len": true, "cap": true, "copy": true, "min": true, "max": true}
	basicTypes    = map[string]bool{"uintptr": true, "int": true, "int8": true, "int16": true, "int32": true,
		"int64": true, "uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true,
		"byte": true, "bool": true}
	// allowedQualified: the raw syscalls, conversions, and the rules the
	// proto-node shares with other packages (nosplit:
	// TestSharedRulesAreNosplit).
	allowedQualified = map[string]bool{"syscall.RawSyscall6": true, "syscall.RawSyscall": true,
		"syscall.Errno": true, "syscall.Signal": true, "unsafe.Pointer": true, "unsafe.Slice": true, "unsafe.Add": true, "unsafe.Sizeof": true,
		"unsafe.String": true, "builtins.EnvNameOK": true, "spin.GiveWay": true,
		"wire.BreaksChain": true}
)

// callNotAllowed says why a call from a nosplit function could reach the
// runtime, or "".
func callNotAllowed(fun ast.Expr, nosplit, types map[string]bool) string {
	switch f := fun.(type) {
	case *ast.ParenExpr: // (*T)(x), a conversion
		return callNotAllowed(f.X, nosplit, types)
	case *ast.StarExpr, *ast.ArrayType:
		return ""
	case *ast.Ident:
		switch {
		case plainBuiltins[f.Name], basicTypes[f.Name], types[f.Name]:
			return ""
		case f.Name == "append" || f.Name == "make" || f.Name == "new" || f.Name == "panic":
			return "calls " + f.Name
		}
		if ok, known := nosplit[f.Name]; known && ok {
			return ""
		}
		if f.Name == "cloneKid" { // cloneVM (assembly), through a variable: see its comment
			return ""
		}
		return "calls " + f.Name + ", which is not nosplit"
	case *ast.SelectorExpr:
		if pkg, ok := f.X.(*ast.Ident); ok && (pkg.Name == "syscall" || pkg.Name == "unsafe" || pkg.Name == "unix" ||
			pkg.Name == "wire" || pkg.Name == "spin" || pkg.Name == "builtins" || pkg.Name == "runtime") {
			if allowedQualified[pkg.Name+"."+f.Sel.Name] {
				return ""
			}
			return "calls " + pkg.Name + "." + f.Sel.Name
		}
		if ok, known := nosplit[f.Sel.Name]; known && ok { // a method of this package
			return ""
		}
		return "calls method " + f.Sel.Name + ", which is not nosplit"
	}
	return "an indirect call"
}

// sharedRules are the functions of other packages that the proto-node
// calls (allowedQualified), by file: builtins' rule for environment
// names, spin's rule for ending a spin, and wire's for ending a batch.
var sharedRules = map[string]string{
	"builtins.EnvNameOK": "../../../builtins/sys_env_linux.go",
	"spin.GiveWay":       "../spin/spin.go",
	"wire.BreaksChain":   "../wire/wire.go",
}

// Each function the proto-node shares with another package is nosplit
// and calls nothing that could reach the runtime.
func TestSharedRulesAreNosplit(t *testing.T) {
	for name, file := range sharedRules {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		_, fn, _ := strings.Cut(name, ".")
		found := false
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == fn {
				found = true
				if !isNosplit(fd) {
					t.Errorf("%s is not nosplit", name)
				}
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					if c, ok := n.(*ast.CallExpr); ok {
						if why := callNotAllowed(c.Fun, nil, nil); why != "" {
							t.Errorf("%s %s", name, why)
						}
					}
					return true
				})
			}
		}
		if !found {
			t.Errorf("no %s in %s", name, file)
		}
	}
}
