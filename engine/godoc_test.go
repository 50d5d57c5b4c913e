package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// Every exported name of the package has a doc comment, as go doc and
// pkg.go.dev show them: functions, methods of exported types, types,
// and constants and variables (a group's comment covers its names). The
// methods of the standard library's interfaces (error, io.Reader…) say
// what their interface says, and may go without.
func TestExportedNamesDocumented(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	undocumented := func(pos token.Pos, name string) {
		t.Errorf("%s: %s has no doc comment", fset.Position(pos), name)
	}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || (d.Recv != nil && (!exportedRecv(d.Recv) || interfaceMethods[d.Name.Name])) {
					continue
				}
				if d.Doc == nil {
					undocumented(d.Pos(), d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() && s.Doc == nil && d.Doc == nil {
							undocumented(s.Pos(), s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() && s.Doc == nil && s.Comment == nil && d.Doc == nil {
								undocumented(n.Pos(), n.Name)
							}
						}
					}
				}
			}
		}
	}
}

// interfaceMethods are the methods of the standard library's interfaces.
var interfaceMethods = map[string]bool{"Error": true, "Unwrap": true, "Is": true, "As": true, "String": true,
	"Read": true, "Write": true, "Close": true, "WriteTo": true, "ReadFrom": true}

// exportedRecv says whether a method's receiver type is exported.
func exportedRecv(recv *ast.FieldList) bool {
	typ := recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if idx, ok := typ.(*ast.IndexExpr); ok {
		typ = idx.X
	}
	id, ok := typ.(*ast.Ident)
	return ok && id.IsExported()
}
