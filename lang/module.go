package lang

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lib"
)

// Modules: `use NAME` loads NAME.alsh from the built-in library (package
// lib), else from a directory of Options.ModulePath ($ALSH_PATH), else
// relative to the script. A module holds procedures (and use of other
// modules); its procedure ro_bind is called as sandbox.ro_bind. Inside
// the module a sibling may be called by its short name, when no call or
// builtin has that name. The comment right above a proc is its help.

// module is a loaded module.
type module struct {
	name  string
	file  string // where it was read from
	doc   string // its leading comment
	procs []string
}

func init() {
	builtinFuncs["use"] = &builtin{"use NAME", "load the module NAME (the built-in library, then $ALSH_PATH, then the script's directory); its procedures are called NAME.proc", "use sandbox", true, doUse}
	builtinFuncs["parents"] = &builtin{"parents PATH", "the directories above PATH, outermost first", `parents "/a/b/c"`, false, doParents}
	builtinArity["use"] = [2]int{1, 1}
	builtinArity["parents"] = [2]int{1, 1}
}

// isModuleName says whether use accepts name: a module is named like a
// variable. (Not a regular expression: compiling one at start cost every
// run, every node's included.)
func isModuleName(name string) bool {
	if name == "" || !isNameStart(name[0]) {
		return false
	}
	for i := range len(name) {
		if !isWord(name[i]) {
			return false
		}
	}
	return true
}

func doUse(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 1, 1); err != nil {
		return nil, err
	}
	name, ok := wordOrString(args[0])
	if !ok || !isModuleName(name) {
		return nil, usageError(c, "want a module name such as sandbox, got %s", describe(args[0]))
	}
	return nil, r.in.use(r.ctx, name)
}

// wordOrString reads a bare word or a string.
func wordOrString(v any) (string, bool) {
	switch v := v.(type) {
	case builtins.Const:
		return string(v), true
	case string:
		return v, true
	}
	return "", false
}

// use loads a module once; loading it again does nothing.
func (in *Interp) use(ctx context.Context, name string) error {
	if _, ok := in.modules[name]; ok {
		return nil
	}
	file, src, err := in.findModule(name)
	if err != nil {
		return err
	}
	prog, err := parseModule(file, src)
	if err != nil {
		return err
	}
	if err := moduleOnly(name, prog); err != nil {
		return err
	}
	m := &module{name: name, file: file, doc: leadingComment(src)}
	in.modules[name] = m // before its own use statements: a cycle ends here
	for _, s := range prog.Stmts {
		if p, ok := s.(*Proc); ok {
			in.define(m, p, src)
		}
	}
	r := &run{in: in, ctx: ctx, src: src, module: name}
	return r.stmts(prog.Stmts)
}

// define registers a module's procedure under its qualified name. The
// parsed module may be shared (see parseModule): the Proc is copied.
func (in *Interp) define(m *module, p *Proc, src string) {
	q := *p
	if !strings.HasPrefix(q.Name, m.name+".") {
		q.Name = m.name + "." + q.Name
	}
	in.procs[q.Name] = procDef{proc: &q, src: src, module: m.name}
	m.procs = append(m.procs, q.Name)
}

// parsedModule is a module of the built-in library, parsed once per
// process: parsing is most of what use costs.
type parsedModule struct {
	once sync.Once
	prog *Program
	err  error
}

var libParsed sync.Map // file name → *parsedModule

// parseModule parses a module's source; the built-in library's files are
// parsed once and shared, as they cannot change while alsh runs.
func parseModule(file, src string) (*Program, error) {
	if !strings.HasPrefix(file, "lib/") {
		return Parse(file, src)
	}
	v, _ := libParsed.LoadOrStore(file, &parsedModule{})
	pm := v.(*parsedModule)
	pm.once.Do(func() {
		var ok bool
		if pm.prog, ok = precompiled(file, src); !ok {
			pm.prog, pm.err = Parse(file, src)
		}
	})
	return pm.prog, pm.err
}

// Preload loads modules of the built-in library in the background, so
// that a use of them later (after the engine started, say) finds them
// ready. It does not build the parser, which their stored trees spare
// (a stale tree is parsed, building it). An unknown name is left for use
// to report.
func Preload(names ...string) {
	for _, name := range names {
		if src, ok := libSource(name + ".alsh"); ok {
			go parseModule("lib/"+name+".alsh", src)
		}
	}
}

// libSources holds the built-in library's files read so far, by base
// name: read once per process (a read of an embedded file copies it, 20
// KiB for sandbox.alsh, and Preload and use each read it).
var libSources sync.Map

// libSource is the source of the built-in library's file base.
func libSource(base string) (string, bool) {
	if v, ok := libSources.Load(base); ok {
		return v.(string), true
	}
	data, err := fs.ReadFile(lib.FS, base)
	if err != nil || len(data) == 0 {
		return "", err == nil
	}
	// data is a copy of its own, never written: the string shares it
	// (a module's source is tens of kB, which a copy would fault in)
	v, _ := libSources.LoadOrStore(base, unsafe.String(&data[0], len(data)))
	return v.(string), true
}

// moduleOnly checks that a module holds only procedures and use: loading
// it defines, it does not act.
func moduleOnly(name string, p *Program) error {
	for _, s := range p.Stmts {
		switch s := s.(type) {
		case *Proc:
			if strings.Contains(strings.TrimPrefix(s.Name, name+"."), ".") {
				return &ParseError{Pos: s.Pos, Msg: fmt.Sprintf("module %s: proc %s: a module's procedure is named NAME or %s.NAME", name, s.Name, name)}
			}
			continue
		case *ExprStmt:
			if c := bareCall(s.Expr); c != nil && c.Name == "use" {
				continue
			}
		}
		return &ParseError{Pos: stmtPos(s), Msg: fmt.Sprintf("module %s: only proc and use may stand at the top of a module", name)}
	}
	return nil
}

// findModule reads NAME.alsh: from the built-in library, else the module
// path, else beside the script.
func (in *Interp) findModule(name string) (file, src string, err error) {
	base := name + ".alsh"
	if src, ok := libSource(base); ok {
		return "lib/" + base, src, nil
	}
	places := []string{"the built-in library"}
	var files []string
	for _, dir := range in.opts.ModulePath {
		files = append(files, filepath.Join(dir, base))
	}
	for _, file := range append(files, in.resolve(base)) {
		data, err := in.opts.ReadFile(file)
		if err == nil {
			return file, string(data), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", &namedError{name: "error", msg: fmt.Sprintf("use %s: %v", name, err)}
		}
		places = append(places, file)
	}
	return "", "", &namedError{name: "error", msg: fmt.Sprintf("use: no module %s (looked in %s)", name, strings.Join(places, ", "))}
}

// sibling finds the procedure name of the module whose procedure runs.
func (r *run) sibling(name string) (procDef, bool) {
	if r.module == "" {
		return procDef{}, false
	}
	def, ok := r.in.procs[r.module+"."+name]
	return def, ok
}

// missingProc explains a dotted name that names no procedure: the module
// lacks it, or was never loaded.
func (in *Interp) missingProc(name string) string {
	mod, proc, ok := strings.Cut(name, ".")
	if !ok {
		return ""
	}
	if m, loaded := in.modules[mod]; loaded {
		return fmt.Sprintf("module %s has no procedure %s%s", mod, proc, suggest(name, m.procs))
	}
	return fmt.Sprintf("unknown command %s: no module %s is loaded (use %s first)", name, mod, mod)
}

// Modules lists the modules of the built-in library, for completion.
func Modules() []string {
	names, _ := fs.Glob(lib.FS, "*.alsh")
	for i, n := range names {
		names[i] = strings.TrimSuffix(n, ".alsh")
	}
	return names
}

// helpModule describes a loaded module or one of its procedures (or any
// procedure with a comment), and says whether it knew the name.
func (in *Interp) helpModule(w io.Writer, name string) bool {
	if m, ok := in.modules[name]; ok {
		fmt.Fprintf(w, "module %s (%s)\n", m.name, m.file)
		for _, line := range strings.Split(m.doc, "\n") {
			fmt.Fprintf(w, "  %s\n", line)
		}
		for _, p := range m.procs {
			fmt.Fprintf(w, "  %-40s %s\n", usageOf(in.procs[p].proc), summary(in.procDoc(p)))
		}
		return true
	}
	def, ok := in.procs[name]
	if !ok {
		return false
	}
	fmt.Fprintln(w, usageOf(def.proc))
	for _, line := range strings.Split(in.procDoc(name), "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
	return true
}

// ProcDoc returns a procedure's help: the comment right above its proc.
func (in *Interp) ProcDoc(name string) string { return in.procDoc(name) }

func (in *Interp) procDoc(name string) string {
	def, ok := in.procs[name]
	if !ok {
		return ""
	}
	lines := strings.Split(def.src, "\n")
	var doc []string
	for i := def.proc.Pos.Line - 2; i >= 0 && i < len(lines); i-- {
		line := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(line, "#") {
			break
		}
		doc = append(doc, strings.TrimPrefix(strings.TrimPrefix(line, "#"), " "))
	}
	slices.Reverse(doc)
	if len(doc) == 0 {
		return "(no help: write a comment right above the proc)"
	}
	return strings.Join(doc, "\n")
}

// leadingComment is a module's first comment block (after a #! line).
func leadingComment(src string) string {
	var doc []string
	for rest := src; rest != ""; { // line by line: no split of the whole source (20 KiB)
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#!") {
			continue
		}
		if !strings.HasPrefix(line, "#") {
			break
		}
		doc = append(doc, strings.TrimPrefix(strings.TrimPrefix(line, "#"), " "))
	}
	return strings.Join(doc, "\n")
}

func usageOf(p *Proc) string {
	parts := []string{p.Name}
	for _, v := range p.Params {
		parts = append(parts, "$"+v.Name)
	}
	return strings.Join(parts, " ")
}

// summary is a procedure's help up to its first full stop, at most
// about one line.
func summary(doc string) string {
	text, _, _ := strings.Cut(doc, "example:")
	text = strings.Join(strings.Fields(text), " ")
	if i := strings.Index(text, ". "); i >= 0 {
		text = text[:i+1]
	}
	const max = 72
	if len(text) > max {
		cut := strings.LastIndex(text[:max], " ")
		if cut < 0 {
			cut = max
		}
		text = text[:cut] + "…"
	}
	return text
}

func doParents(r *run, c *Call, args []any) (any, error) {
	p, err := only[string](c, args, "want a string")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for dir := path.Dir(path.Clean(p)); dir != "/" && dir != "."; dir = path.Dir(dir) {
		out = append(out, dir)
	}
	slices.Reverse(out)
	return out, nil
}
