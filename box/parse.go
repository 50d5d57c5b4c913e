package box

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

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
	// Caps are the caller's effective capabilities (cap_* names): what a
	// root caller's program keeps unless --cap-drop, as with bwrap.
	Caps []string
	// ReadFile reads a file, for --seccomp-policy; nil refuses it.
	ReadFile func(path string) ([]byte, error)
	// Cgroup names the cgroup that --memory-max, --pids-max and
	// --cpu-max make; the caller removes it when the program is done.
	Cgroup string
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
	// Cgroup is the cgroup the sandbox was put in ("" for none): the
	// caller removes it once the program is done.
	Cgroup string
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
	caps          map[string]bool // what the program keeps (bwrap's requested caps)
	capsUsed      bool
	landlock      map[string][]any // ro rw exec
	seccompDeny   []any
	seccompPolicy []string
	cgroup        []any // [FILE VALUE] pairs, as given
	step          bool
}

// option is one bwrap option: how many arguments it takes and what it
// does with them.
type option struct {
	n  int
	do func(p *parser, a []string) error
}

// options are the options alsh box knows, bubblewrap's names and meaning;
// built at the first parse, not in every node's start (a node is this
// binary, and runs every package's initialisers).
var options = sync.OnceValue(func() map[string]option {
	return map[string]option{
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
		"--cap-add":            {1, (*parser).capAdd},
		"--cap-drop":           {1, (*parser).capDrop},
		"--seccomp":            {1, (*parser).seccompFD},
		"--landlock-ro":        {1, landlockOpt("ro")},
		"--landlock-rw":        {1, landlockOpt("rw")},
		"--landlock-exec":      {1, landlockOpt("exec")},
		"--seccomp-deny":       {1, (*parser).seccompDenyOpt},
		"--seccomp-policy":     {1, (*parser).seccompPolicyOpt},
		"--memory-max":         {1, cgroupOpt("memory.max", sizeValue)},
		"--pids-max":           {1, cgroupOpt("pids.max", countValue)},
		"--cpu-max":            {1, cgroupOpt("cpu.max", cpuMaxValue)},
		"--step":               {0, func(p *parser, _ []string) error { p.step = true; return nil }},
	}
})

// Parse parses bwrap-style options and the program: OPTIONS… [--] PROGRAM ARGS….
func Parse(args []string, opts Options) (*Box, error) {
	p := &parser{opts: opts, args: args, ns: map[string]bool{}, caps: map[string]bool{},
		landlock: map[string][]any{}}
	if opts.UID == 0 { // bwrap: root's program keeps root's capabilities by default
		for _, c := range opts.Caps {
			p.caps[c] = true
		}
	}
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
		opt, ok := options()[name]
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
	case p.capsUsed && p.innerUserns() != nil:
		return fmt.Errorf("%w: --cap-add and --cap-drop with a sandbox uid or gid other than 0 are not supported: "+
			"the program's process starts as that uid in a user namespace of its own and holds no capability to keep", ErrUsage)
	case len(p.cgroup) > 0 && p.opts.Cgroup == "":
		return fmt.Errorf("%w: --memory-max, --pids-max and --cpu-max are not possible here (no cgroup name)", ErrUsage)
	}
	return nil
}

// box assembles the steps in the order bwrap performs them: the mounts as
// given, the pivot, then the process's own set-up, then the seccomp
// filter last. When the program should not be pid 1 it runs in a child of
// pid 1. That child is forked, as by bwrap, once pid 1 has pivoted and
// taken the environment and working directory, which the child inherits:
// what is left for it (capabilities, no_new_privs, filters, the exec) is
// runtime-free calls, which a proto-node makes without booting a node.
// When the child must exist before the mounts (a nested user namespace,
// whose maps are written through the host's /proc, or a terminal to open
// in it while the host's /dev is there: a fork passes no fd of its
// parent's) it is made first, a child sharing the mount namespace that
// the pivots move too, and entered after them.
func (p *parser) box(argv []string) *Box {
	b := &Box{Clone: p.cloneFlags(), Maps: p.maps(), Argv: argv, Step: p.step}
	inner := p.innerUserns()
	child := inner != nil || p.ns["pid"] && !p.asPid1
	early := child && (inner != nil || p.opts.TTY != "")
	if len(p.cgroup) > 0 { // first: every process of the sandbox starts in it
		b.Cgroup = p.opts.Cgroup
		b.Steps = append(b.Steps, []any{"cgroup", p.opts.Cgroup, p.cgroup})
	}
	switch {
	case inner != nil:
		b.Steps = append(b.Steps, inner)
	case early:
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
	if early {
		b.Steps = append(b.Steps, []any{"enter"})
	}
	b.Steps = append(b.Steps, p.env...)
	b.Steps = append(b.Steps, p.chdirStep())
	if child && !early {
		b.Steps = append(b.Steps, []any{"fork"})
	}
	if p.newSession {
		b.Steps = append(b.Steps, []any{"setsid"})
	}
	if p.dieWithParent {
		b.Steps = append(b.Steps, []any{"die_with_parent"})
	}
	b.Steps = append(b.Steps, p.capSteps(inner)...)
	if p.opts.TTY != "" {
		b.Steps = append(b.Steps, []any{"stdio"})
	}
	b.Steps = append(b.Steps, []any{"no_new_privs"})
	if len(p.landlock) > 0 {
		b.Steps = append(b.Steps, []any{"landlock", p.landlockSpec()})
	}
	if p.seccomp != nil {
		b.Steps = append(b.Steps, []any{"seccomp", string(p.seccomp)})
	}
	for _, policy := range p.seccompPolicy {
		b.Steps = append(b.Steps, []any{"seccomp_policy", policy})
	}
	if len(p.seccompDeny) > 0 {
		b.Steps = append(b.Steps, []any{"seccomp_policy", builtins.Record{"default": builtins.Const("allow"),
			"rules": []any{builtins.Record{"syscalls": p.seccompDeny, "action": builtins.Record{"errno": builtins.Const("eperm")}}}}})
	}
	return b
}

// capSteps are bwrap's capability rules for the program's process. In a
// user namespace the bounding set is cut to the requested capabilities.
// When --cap-add or --cap-drop was given, or the caller is not root, the
// process's effective, permitted and inheritable sets become the
// requested ones and they are raised as ambient (no_new_privs then keeps
// the exec from giving more); else a root caller's program keeps what
// root has. A program in a nested user namespace (a uid other than 0)
// starts with no capability and a full bounding set, which nothing here
// can change (check refuses the options then).
func (p *parser) capSteps(inner []any) []any {
	if inner != nil {
		return nil
	}
	caps := p.requestedCaps()
	var steps []any
	if p.ns["user"] {
		steps = append(steps, []any{"cap_bounding", caps})
	}
	if p.capsUsed || p.opts.UID != 0 {
		steps = append(steps, []any{"caps", caps})
	}
	return steps
}

// requestedCaps lists the requested capabilities as constants, sorted.
func (p *parser) requestedCaps() []any {
	names := slices.Sorted(maps.Keys(p.caps))
	caps := make([]any, len(names))
	for i, n := range names {
		caps[i] = builtins.Const(n)
	}
	return caps
}

func (p *parser) landlockSpec() builtins.Record {
	r := builtins.Record{}
	for k, v := range p.landlock {
		r[k] = v
	}
	return r
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

// capAdd is --cap-add: a capability (bwrap's spelling CAP_NET_RAW, or
// cap_net_raw), or ALL, every capability the kernel may know.
func (p *parser) capAdd(a []string) error {
	p.capsUsed = true
	if strings.EqualFold(a[0], "ALL") {
		for _, n := range builtins.ConstantNames("caps") {
			p.caps[n] = true
		}
		return nil
	}
	name, err := capName(a[0])
	p.caps[name] = true
	return err
}

// capDrop is --cap-drop: a capability, or ALL.
func (p *parser) capDrop(a []string) error {
	p.capsUsed = true
	if strings.EqualFold(a[0], "ALL") {
		clear(p.caps)
		return nil
	}
	name, err := capName(a[0])
	delete(p.caps, name)
	return err
}

func capName(s string) (string, error) {
	name := strings.ToLower(s)
	if _, err := builtins.Constant("caps", name); err != nil {
		return "", fmt.Errorf("unknown capability %s%s", s, suggest(err))
	}
	return name, nil
}

// suggest is the near names an unknown-constant error offers, as text.
func suggest(err error) string {
	var u *builtins.UnknownConstError
	if errors.As(err, &u) && len(u.Nearest) > 0 {
		return " (did you mean " + strings.ToUpper(strings.Join(u.Nearest, " or ")) + "?)"
	}
	return ""
}

func landlockOpt(kind string) func(*parser, []string) error {
	return func(p *parser, a []string) error {
		if !strings.HasPrefix(a[0], "/") {
			return fmt.Errorf("want an absolute path, got %q", a[0])
		}
		p.landlock[kind] = append(p.landlock[kind], a[0])
		return nil
	}
}

// seccompDenyOpt is --seccomp-deny NAME: a syscall or a group (@mount)
// that fails with eperm; the names are checked when the filter is built.
func (p *parser) seccompDenyOpt(a []string) error {
	if a[0] == "" {
		return fmt.Errorf("want a syscall or @group name")
	}
	p.seccompDeny = append(p.seccompDeny, a[0])
	return nil
}

// seccompPolicyOpt is --seccomp-policy FILE: a Docker/OCI profile (JSON).
func (p *parser) seccompPolicyOpt(a []string) error {
	if p.opts.ReadFile == nil {
		return fmt.Errorf("reading %s: not possible here", a[0])
	}
	data, err := p.opts.ReadFile(a[0])
	if err != nil {
		return err
	}
	p.seccompPolicy = append(p.seccompPolicy, string(data))
	return nil
}

func cgroupOpt(file string, value func(string) (any, error)) func(*parser, []string) error {
	return func(p *parser, a []string) error {
		v, err := value(a[0])
		if err != nil {
			return err
		}
		p.cgroup = append(p.cgroup, []any{file, v})
		return nil
	}
}

// sizeValue is a byte count, with an optional K, M or G suffix (powers
// of 1024), or max.
func sizeValue(s string) (any, error) {
	if s == "max" {
		return s, nil
	}
	num, mult := s, int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			num, mult = s[:n-1], 1<<10
		case 'm', 'M':
			num, mult = s[:n-1], 1<<20
		case 'g', 'G':
			num, mult = s[:n-1], 1<<30
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return nil, fmt.Errorf("want a size in bytes such as 16M, or max, got %q", s)
	}
	return n * mult, nil
}

// countValue is a positive number, or max.
func countValue(s string) (any, error) {
	if s == "max" {
		return s, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("want a positive number, or max, got %q", s)
	}
	return n, nil
}

// cpuMaxValue is cgroup v2's cpu.max: "QUOTA PERIOD" in microseconds
// (or "QUOTA", period 100000), QUOTA possibly max.
func cpuMaxValue(s string) (any, error) {
	f := strings.Fields(s)
	bad := fmt.Errorf("want \"QUOTA PERIOD\" in microseconds, such as \"50000 100000\", got %q", s)
	if len(f) == 0 || len(f) > 2 {
		return nil, bad
	}
	if len(f) == 1 {
		f = append(f, "100000")
	}
	for i, x := range f {
		if i == 0 && x == "max" {
			continue
		}
		if n, err := strconv.ParseInt(x, 10, 64); err != nil || n <= 0 {
			return nil, bad
		}
	}
	return f[0] + " " + f[1], nil
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
