package box

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/alsh/alsh/builtins"
)

// Options are what parsing needs from the caller's world.
type Options struct {
	// UID and GID are the caller's real ids: the host side of the
	// user-namespace maps.
	UID, GID int
	// Cwd and Home are where the program starts without --chdir, the
	// first that exists in the sandbox (else /), as with bwrap.
	Cwd, Home string
	// ReadFD reads a file descriptor to its end, for --file and --seccomp;
	// nil refuses those options.
	ReadFD func(fd int) ([]byte, error)
	// TTY is the terminal that stdin, stdout and stderr all are, if they
	// are one: the program gets it as its own stdio (else alsh relays).
	TTY string
}

// Box is a parsed command line.
type Box struct {
	// Clone is the clone flags of the sandbox's first process
	// (clone_newns always).
	Clone []builtins.Const
	// Maps are clone's user-namespace maps; nil without clone_newuser.
	Maps builtins.Record
	// Steps are sandbox.apply's steps, in order: each a list of a name
	// and its arguments.
	Steps []any
	// Argv is the program and its arguments.
	Argv []string
	// Step asks to stop before the program runs, or at the first failed
	// step, with a REPL on the half-built sandbox.
	Step bool
}

// Spec is the record sandbox.apply takes: {steps: […]}, with the clone
// flags, maps and argv beside them for whoever starts the process.
func (b *Box) Spec() builtins.Record {
	clone := make([]any, len(b.Clone))
	for i, c := range b.Clone {
		clone[i] = c
	}
	argv := make([]any, len(b.Argv))
	for i, a := range b.Argv {
		argv[i] = a
	}
	maps := b.Maps
	if maps == nil {
		maps = builtins.Record{}
	}
	return builtins.Record{"clone": clone, "maps": maps, "steps": b.Steps, "argv": argv}
}

// ErrUsage marks a command line that cannot be parsed.
var ErrUsage = errors.New("usage")

// parser is the state of one parse: bwrap options are partly global
// (namespaces, ids) and partly steps in the order given.
type parser struct {
	opts          Options
	args          []string
	ns            map[string]bool // user ipc pid net uts cgroup
	uid, gid      *int
	hostname      string
	chdir         *string
	env, ops      []any
	perms, size   *int64
	asPid1        bool
	dieWithParent bool
	newSession    bool
	seccomp       []byte
	caps          []any
	step          bool
}

// option is one bwrap option: how many arguments it takes and what it
// does with them.
type option struct {
	n  int
	do func(p *parser, a []string) error
}

// options are the options alsh box knows, bubblewrap's names and meaning.
var options = map[string]option{
	"--unshare-user":       {0, nsOpt("user")},
	"--unshare-user-try":   {0, nsOpt("user")},
	"--unshare-ipc":        {0, nsOpt("ipc")},
	"--unshare-pid":        {0, nsOpt("pid")},
	"--unshare-net":        {0, nsOpt("net")},
	"--unshare-uts":        {0, nsOpt("uts")},
	"--unshare-cgroup":     {0, nsOpt("cgroup")},
	"--unshare-cgroup-try": {0, nsOpt("cgroup")},
	"--unshare-all":        {0, nsOpt("user", "ipc", "pid", "net", "uts", "cgroup")},
	"--share-net":          {0, func(p *parser, _ []string) error { delete(p.ns, "net"); return nil }},
	"--uid":                {1, idOpt(func(p *parser) **int { return &p.uid })},
	"--gid":                {1, idOpt(func(p *parser) **int { return &p.gid })},
	"--hostname":           {1, func(p *parser, a []string) error { p.hostname = a[0]; return nil }},
	"--chdir":              {1, func(p *parser, a []string) error { p.chdir = &a[0]; return nil }},
	"--setenv":             {2, func(p *parser, a []string) error { return p.addEnv("setenv", a[0], a[1]) }},
	"--unsetenv":           {1, func(p *parser, a []string) error { return p.addEnv("unsetenv", a[0]) }},
	"--clearenv":           {0, func(p *parser, _ []string) error { return p.addEnv("clearenv") }},
	"--bind":               {2, bindOpt("bind")},
	"--bind-try":           {2, bindOpt("bind_try")},
	"--ro-bind":            {2, bindOpt("ro_bind")},
	"--ro-bind-try":        {2, bindOpt("ro_bind_try")},
	"--dev-bind":           {2, bindOpt("dev_bind")},
	"--dev-bind-try":       {2, bindOpt("dev_bind_try")},
	"--remount-ro":         {1, func(p *parser, a []string) error { return p.op("remount_ro", a[0]) }},
	"--tmpfs":              {1, (*parser).tmpfs},
	"--proc":               {1, func(p *parser, a []string) error { return p.op("proc", a[0]) }},
	"--dev":                {1, func(p *parser, a []string) error { return p.op("dev", a[0]) }},
	"--dir":                {1, func(p *parser, a []string) error { return p.op("dir", a[0], p.takePerms(0o755)) }},
	"--symlink":            {2, func(p *parser, a []string) error { return p.op("symlink", a[0], a[1]) }},
	"--file":               {2, (*parser).file},
	"--chmod":              {2, (*parser).chmod},
	"--perms":              {1, (*parser).setPerms},
	"--size":               {1, (*parser).setSize},
	"--die-with-parent":    {0, func(p *parser, _ []string) error { p.dieWithParent = true; return nil }},
	"--new-session":        {0, func(p *parser, _ []string) error { p.newSession = true; return nil }},
	"--as-pid-1":           {0, func(p *parser, _ []string) error { p.asPid1 = true; return nil }},
	"--cap-add":            {1, capOpt("cap_add")},
	"--cap-drop":           {1, capOpt("cap_drop")},
	"--seccomp":            {1, (*parser).seccompFD},
	"--step":               {0, func(p *parser, _ []string) error { p.step = true; return nil }},
}

// Parse parses bwrap-style options and the program: OPTIONS… [--] PROGRAM ARGS….
func Parse(args []string, opts Options) (*Box, error) {
	p := &parser{opts: opts, args: args, ns: map[string]bool{}}
	rest, err := p.parseOptions()
	if err != nil {
		return nil, err
	}
	if len(rest) == 0 {
		return nil, fmt.Errorf("%w: no program to run (alsh box [OPTIONS] [--] PROGRAM ARGS…)", ErrUsage)
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	if opts.UID != 0 { // as bwrap unprivileged: mounts need a user namespace
		p.ns["user"] = true
	}
	return p.box(rest), nil
}

// parseOptions consumes the options and returns the program and its
// arguments.
func (p *parser) parseOptions() ([]string, error) {
	a := p.args
	for len(a) > 0 {
		name := a[0]
		if name == "--" {
			return a[1:], nil
		}
		if !strings.HasPrefix(name, "--") {
			return a, nil
		}
		opt, ok := options[name]
		if !ok {
			return nil, fmt.Errorf("%w: unknown option %s", ErrUsage, name)
		}
		if len(a)-1 < opt.n {
			return nil, fmt.Errorf("%w: %s takes %d arguments", ErrUsage, name, opt.n)
		}
		if err := opt.do(p, a[1:1+opt.n]); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrUsage, name, err)
		}
		a = a[1+opt.n:]
	}
	return nil, nil
}

// check refuses what bwrap refuses.
func (p *parser) check() error {
	switch {
	case (p.uid != nil || p.gid != nil) && !p.ns["user"]:
		return fmt.Errorf("%w: --uid and --gid need --unshare-user", ErrUsage)
	case p.hostname != "" && !p.ns["uts"]:
		return fmt.Errorf("%w: --hostname needs --unshare-uts", ErrUsage)
	case p.asPid1 && !p.ns["pid"]:
		return fmt.Errorf("%w: --as-pid-1 needs --unshare-pid", ErrUsage)
	case p.asPid1 && p.innerUserns() != nil:
		return fmt.Errorf("%w: --as-pid-1 with a sandbox uid or gid other than 0 is not supported yet (the program runs in a child of pid 1)", ErrUsage)
	case p.perms != nil || p.size != nil:
		return fmt.Errorf("%w: --perms or --size must come before the option it changes", ErrUsage)
	}
	return nil
}

// box assembles the steps in the order bwrap performs them: the mounts as
// given, the pivot, then the process's own set-up, then the seccomp
// filter last. When the program should not be pid 1 (or runs in a nested
// user namespace) its process is made first, a child sharing the mount
// namespace that the pivots move too, and entered after them; a terminal
// is opened then, while the host's /dev is there.
func (p *parser) box(argv []string) *Box {
	b := &Box{Clone: p.cloneFlags(), Maps: p.maps(), Argv: argv, Step: p.step}
	inner := p.innerUserns()
	child := inner != nil || p.ns["pid"] && !p.asPid1
	switch {
	case inner != nil:
		b.Steps = append(b.Steps, inner)
	case child:
		b.Steps = append(b.Steps, []any{"child"})
	}
	if p.opts.TTY != "" {
		b.Steps = append(b.Steps, []any{"tty_open", p.opts.TTY})
	}
	b.Steps = append(b.Steps, []any{"newroot"})
	if p.hostname != "" {
		b.Steps = append(b.Steps, []any{"hostname", p.hostname})
	}
	if p.ns["net"] {
		b.Steps = append(b.Steps, []any{"loopback"})
	}
	b.Steps = append(b.Steps, p.ops...)
	b.Steps = append(b.Steps, []any{"pivot"})
	if child {
		b.Steps = append(b.Steps, []any{"enter"})
	}
	b.Steps = append(b.Steps, p.env...)
	b.Steps = append(b.Steps, p.chdirStep())
	if p.newSession {
		b.Steps = append(b.Steps, []any{"setsid"})
	}
	if p.dieWithParent {
		b.Steps = append(b.Steps, []any{"die_with_parent"})
	}
	b.Steps = append(b.Steps, p.caps...)
	if p.opts.TTY != "" {
		b.Steps = append(b.Steps, []any{"stdio"})
	}
	b.Steps = append(b.Steps, []any{"no_new_privs"})
	if p.seccomp != nil {
		b.Steps = append(b.Steps, []any{"seccomp", string(p.seccomp)})
	}
	return b
}

var nsFlags = []struct{ ns, flag string }{{"user", "clone_newuser"}, {"ipc", "clone_newipc"},
	{"pid", "clone_newpid"}, {"net", "clone_newnet"}, {"uts", "clone_newuts"}, {"cgroup", "clone_newcgroup"}}

func (p *parser) cloneFlags() []builtins.Const {
	flags := []builtins.Const{"clone_newns"}
	for _, f := range nsFlags {
		if p.ns[f.ns] {
			flags = append(flags, builtins.Const(f.flag))
		}
	}
	return flags
}

// maps make the caller root of the sandbox's user namespace, and deny
// setgroups, as bwrap does: root there can build the sandbox. (A node
// execs itself after clone, and an exec as a uid other than 0 drops the
// capabilities a new namespace gives.)
func (p *parser) maps() builtins.Record {
	if !p.ns["user"] {
		return nil
	}
	return builtins.Record{"uid": fmt.Sprintf("0 %d 1", p.opts.UID),
		"gid": fmt.Sprintf("0 %d 1", p.opts.GID), "setgroups": "deny"}
}

// innerUserns is the step that will give the program its uid and gid
// (the caller's unless --uid, --gid): a child in a nested user namespace
// mapping them to root of the outer one, as bwrap does. It is made first
// (see sandbox.userns_child); it shares the mount namespace and root, so
// the pivots move it too, and the step enter moves the later steps to it.
// None when the ids are 0.
func (p *parser) innerUserns() []any {
	if !p.ns["user"] {
		return nil
	}
	uid, gid := p.opts.UID, p.opts.GID
	if p.uid != nil {
		uid = *p.uid
	}
	if p.gid != nil {
		gid = *p.gid
	}
	if uid == 0 && gid == 0 {
		return nil
	}
	return []any{"userns", builtins.Record{"uid": fmt.Sprintf("%d 0 1", uid),
		"gid": fmt.Sprintf("%d 0 1", gid), "setgroups": "deny"}}
}

func (p *parser) chdirStep() []any {
	if p.chdir != nil {
		return []any{"chdir", *p.chdir}
	}
	var dirs []any
	for _, d := range []string{p.opts.Cwd, p.opts.Home} {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	return []any{"chdir_first", dirs}
}

func nsOpt(names ...string) func(*parser, []string) error {
	return func(p *parser, _ []string) error {
		for _, n := range names {
			p.ns[n] = true
		}
		return nil
	}
}

func idOpt(field func(*parser) **int) func(*parser, []string) error {
	return func(p *parser, a []string) error {
		n, err := strconv.ParseUint(a[0], 10, 32)
		if err != nil {
			return fmt.Errorf("want a number, got %q", a[0])
		}
		id := int(n)
		*field(p) = &id
		return nil
	}
}

func bindOpt(name string) func(*parser, []string) error {
	return func(p *parser, a []string) error { return p.op(name, a[0], a[1]) }
}

func capOpt(name string) func(*parser, []string) error {
	return func(p *parser, a []string) error {
		p.caps = append(p.caps, []any{name, a[0]})
		return nil
	}
}

func (p *parser) op(args ...any) error {
	for _, a := range args[1:] {
		if s, ok := a.(string); ok && strings.ContainsRune(s, 0) {
			return fmt.Errorf("%q holds a NUL byte", s)
		}
	}
	p.ops = append(p.ops, args)
	return nil
}

func (p *parser) addEnv(args ...any) error {
	p.env = append(p.env, args)
	return nil
}

// takePerms is the mode --perms gave the option it precedes, or def.
func (p *parser) takePerms(def int64) int64 {
	if p.perms == nil {
		return def
	}
	mode := *p.perms
	p.perms = nil
	return mode
}

func (p *parser) tmpfs(a []string) error {
	size := int64(0)
	if p.size != nil {
		size, p.size = *p.size, nil
	}
	return p.op("tmpfs", a[0], p.takePerms(0o755), size)
}

func (p *parser) file(a []string) error {
	data, err := p.readFD(a[0])
	if err != nil {
		return err
	}
	return p.op("file", a[1], string(data), p.takePerms(0o666))
}

func (p *parser) chmod(a []string) error {
	mode, err := octal(a[0])
	if err != nil {
		return err
	}
	return p.op("chmod", a[1], mode)
}

func (p *parser) setPerms(a []string) error {
	mode, err := octal(a[0])
	p.perms = &mode
	return err
}

func (p *parser) setSize(a []string) error {
	n, err := strconv.ParseInt(a[0], 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("want a size in bytes, got %q", a[0])
	}
	p.size = &n
	return nil
}

func (p *parser) seccompFD(a []string) error {
	if p.seccomp != nil {
		return fmt.Errorf("given twice")
	}
	data, err := p.readFD(a[0])
	if err != nil {
		return err
	}
	if len(data) == 0 || len(data)%8 != 0 {
		return fmt.Errorf("fd %s holds %d bytes, not a list of 8-byte BPF instructions", a[0], len(data))
	}
	p.seccomp = data
	return nil
}

func (p *parser) readFD(s string) ([]byte, error) {
	fd, err := strconv.Atoi(s)
	if err != nil || fd < 0 {
		return nil, fmt.Errorf("want a file descriptor, got %q", s)
	}
	if p.opts.ReadFD == nil {
		return nil, fmt.Errorf("reading fd %d: not possible here", fd)
	}
	data, err := p.opts.ReadFD(fd)
	if err != nil {
		return nil, fmt.Errorf("reading fd %d: %w", fd, err)
	}
	return data, nil
}

// octal reads a mode as bwrap does: octal digits, with or without 0o.
func octal(s string) (int64, error) {
	n, err := strconv.ParseUint(strings.TrimPrefix(s, "0o"), 8, 32)
	if err != nil || n > 0o7777 {
		return 0, fmt.Errorf("want an octal mode such as 0755, got %q", s)
	}
	return int64(n), nil
}
