package lang

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/alsh/alsh/builtins"
)

// Options configure an Interp. The zero value is usable: output is
// discarded, there are no script arguments, source reads files relative to
// the working directory, and values are not echoed.
type Options struct {
	// Stdout receives print output and, when Interactive, the value of each
	// top-level statement.
	Stdout io.Writer
	// Stderr is for diagnostics. The interpreter returns errors rather
	// than printing them, so nothing writes here yet.
	Stderr io.Writer
	// Args are the script's arguments, visible as $args (a list of strings).
	Args []string
	// Dir is the directory relative paths of source are read from; empty
	// means the working directory.
	Dir string
	// ReadFile reads a file for source; nil means os.ReadFile.
	ReadFile func(name string) ([]byte, error)
	// WriteFile writes a file for write_file; nil means os.WriteFile with
	// mode 0644.
	WriteFile func(name string, data []byte) error
	// Interactive prints the value of every top-level expression and
	// assignment in pasteable form (ok for a call that returns nothing),
	// as a REPL does.
	Interactive bool
	// ShowValues prints the value of every top-level expression statement
	// (not of assignments), as alsh -c does; commands that print for
	// themselves and calls that return nothing show nothing.
	ShowValues bool
	// Rand returns a random integer in [0, n) for rand; nil means
	// math/rand/v2. Tests set it to get fixed values.
	Rand func(n int64) int64
	// ModulePath lists the directories use searches after the built-in
	// library; nil means the directories of $ALSH_PATH.
	ModulePath []string
}

// Interp runs programs against a Host, keeping variables and procedures
// from one Run to the next (a REPL runs each entry with the same Interp).
// An Interp runs one program at a time.
type Interp struct {
	host Host
	// batcher is host as a Batcher, or nil: looked up once, by New (a
	// type assertion's first run builds its table entry, which alsh box
	// would pay at its first batch, with a copy-on-write fault)
	batcher Batcher
	opts    Options
	globals map[string]any
	procs   map[string]procDef
	modules map[string]*module // loaded by use, by name
	// callTimeout bounds each call, once timeout MS set it (0: the
	// host's own bound).
	callTimeout time.Duration
}

// procDef is a procedure, the source it was defined in, and the module
// that defined it ("" for a script's own).
type procDef struct {
	proc   *Proc
	src    string
	module string
}

// New returns an interpreter that reaches processes through host.
func New(host Host, opts Options) *Interp {
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	if opts.ReadFile == nil {
		opts.ReadFile = os.ReadFile
	}
	if opts.WriteFile == nil {
		opts.WriteFile = func(name string, data []byte) error { return os.WriteFile(name, data, 0o644) }
	}
	if opts.Rand == nil {
		opts.Rand = rand.Int64N
	}
	if opts.ModulePath == nil {
		opts.ModulePath = filepath.SplitList(os.Getenv("ALSH_PATH"))
	}
	batcher, _ := host.(Batcher)
	return &Interp{host: host, batcher: batcher, opts: opts,
		globals: map[string]any{"args": normalize(opts.Args)}, procs: map[string]procDef{},
		modules: map[string]*module{}}
}

// Run runs a parsed program. It returns nil, an ExitStatus (exit N), a
// *Error (an unhandled failure, with its position), a *ParseError (from a
// sourced file), or ctx's error when ctx is cancelled; every wait honours
// ctx.
func (in *Interp) Run(ctx context.Context, p *Program) error {
	r := &run{in: in, ctx: ctx, src: p.src}
	r.hoist(p)
	for _, s := range p.Stmts {
		if err := ctx.Err(); err != nil {
			return err
		}
		v, echo, err := r.topStmt(s)
		if err != nil {
			return err
		}
		if echo && in.shows(s, v) {
			fmt.Fprintln(in.opts.Stdout, builtins.Format(v))
		}
	}
	return nil
}

// shows says whether a top-level statement's value is printed.
func (in *Interp) shows(s Stmt, v any) bool {
	if in.opts.Interactive {
		return true
	}
	_, isExpr := s.(*ExprStmt)
	return in.opts.ShowValues && isExpr && v != nil
}

// Vars lists the names of the global variables, without the $, sorted.
func (in *Interp) Vars() []string { return slices.Sorted(maps.Keys(in.globals)) }

// Var returns a global variable's value.
func (in *Interp) Var(name string) (any, bool) {
	v, ok := in.globals[name]
	return v, ok
}

// SetVar binds a global variable, as $name = v at the top level would.
// A list or record already in the language's types is kept as it is
// (see Call).
func (in *Interp) SetVar(name string, v any) { in.globals[name] = normalize(v) }

// Procs lists the names of the defined procedures, sorted.
func (in *Interp) Procs() []string { return slices.Sorted(maps.Keys(in.procs)) }

// run is the state of one running program or procedure call.
type run struct {
	in     *Interp
	ctx    context.Context
	locals map[string]any // nil outside procedures
	src    string         // source text, for messages that quote it
	depth  int            // procedure nesting
	module string         // the module whose procedure runs, if any
}

// hoist defines the program's procedures before anything runs, so a
// script may call a procedure defined further down.
func (r *run) hoist(p *Program) {
	for _, s := range p.Stmts {
		if proc, ok := s.(*Proc); ok {
			r.in.procs[proc.Name] = procDef{proc: proc, src: r.src}
		}
	}
}

// resolve turns a relative path of source into one to read.
func (in *Interp) resolve(name string) string {
	if filepath.IsAbs(name) || in.opts.Dir == "" {
		return name
	}
	return filepath.Join(in.opts.Dir, name)
}

// Commands lists every command name: the calls of builtins.Table and the
// language's builtins, sorted. A REPL completes them.
func Commands() []string {
	var names []string
	for _, c := range builtins.Table {
		names = append(names, c.Name)
	}
	for name := range builtinFuncs {
		if _, dup := builtins.Lookup(name); !dup {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Keywords lists the reserved words.
func Keywords() []string { return append([]string(nil), keywords...) }
