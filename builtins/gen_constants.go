//go:build ignore

// gen_constants writes zconstants.go: alsh's kernel constant tables, taken
// from golang.org/x/sys/unix as type-checked for linux/amd64 rather than
// typed by hand. The output is plain data (no x/sys import), sorted, so that
// a rerun with the same x/sys version gives the same bytes.
//
//	go run gen_constants.go [-o zconstants.go]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/build"
	"go/constant"
	"go/format"
	"go/importer"
	"go/token"
	"go/types"
	"log"
	"os"
	"slices"
	"strings"
)

const unixPath = "golang.org/x/sys/unix"

// A table selects x/sys constants; hex says how to print its values.
type table struct {
	name    string
	hex     bool
	include func(name string, c *types.Const) bool
}

// trims are prefixes dropped from a table's names: landlock rights go by
// their short names (execute, write_file…), as the kernel documents them.
var trims = map[string]string{"landlock_fs": "LANDLOCK_ACCESS_FS_", "landlock_net": "LANDLOCK_ACCESS_NET_"}

func prefix(ps ...string) func(string) bool {
	return func(n string) bool {
		for _, p := range ps {
			if strings.HasPrefix(n, p) {
				return true
			}
		}
		return false
	}
}

func oneOf(names ...string) func(string) bool {
	return func(n string) bool { return slices.Contains(names, n) }
}

func anyOf(fs ...func(string) bool) func(string) bool {
	return func(n string) bool {
		for _, f := range fs {
			if f(n) {
				return true
			}
		}
		return false
	}
}

func not(f func(string) bool) func(string) bool {
	return func(n string) bool { return !f(n) }
}

func all(fs ...func(string) bool) func(string) bool {
	return func(n string) bool {
		for _, f := range fs {
			if !f(n) {
				return false
			}
		}
		return true
	}
}

// byName adapts a name predicate to a table rule.
func byName(f func(string) bool) func(string, *types.Const) bool {
	return func(n string, _ *types.Const) bool { return f(n) }
}

// ofType selects constants whose type is the named type (syscall.Signal).
func ofType(pkg, typ string, f func(string) bool) func(string, *types.Const) bool {
	return func(n string, c *types.Const) bool {
		named, ok := c.Type().(*types.Named)
		return ok && named.Obj().Pkg() != nil && named.Obj().Pkg().Path() == pkg &&
			named.Obj().Name() == typ && f(n)
	}
}

var seccompArgs = prefix("SECCOMP_MODE_", "SECCOMP_RET_", "SECCOMP_FILTER_FLAG_")

// tables follow alcove's Linux tables (reference/alcove.md §4), widened to
// whatever x/sys has under the same prefixes.
var tables = []table{
	{"cap", false, byName(prefix("CAP_"))},
	// CLONE_ARGS_SIZE_VER* are struct sizes for clone3, not flags.
	{"clone", true, byName(all(prefix("CLONE_"), not(prefix("CLONE_ARGS_SIZE_"))))},
	{"errno", false, ofType("syscall", "Errno", prefix("E"))},
	// F_OK belongs to access(2); F_LOCK, F_TLOCK, F_ULOCK and F_TEST to lockf(3).
	{"fcntl", true, byName(all(anyOf(prefix("F_"), oneOf("FD_CLOEXEC")),
		not(oneOf("F_OK", "F_LOCK", "F_TLOCK", "F_ULOCK", "F_TEST"))))},
	{"file", true, byName(prefix("O_", "S_I"))},
	{"iff", true, byName(prefix("IFF_"))},
	// TCA_* (traffic control attributes) and TCP* (socket options) are not ioctls.
	{"ioctl", true, byName(all(prefix("SIOC", "TC", "TIOC", "FIO", "TUN", "SECCOMP_IOCTL_"), not(prefix("TCA_", "TCP"))))},
	// MS_ASYNC, MS_SYNC and MS_INVALIDATE are msync(2) flags.
	{"mount", true, byName(all(anyOf(prefix("MS_", "MOUNT_ATTR_"), oneOf("MNT_FORCE", "MNT_DETACH", "MNT_EXPIRE", "UMOUNT_NOFOLLOW", "AT_RECURSIVE")),
		not(oneOf("MS_ASYNC", "MS_SYNC", "MS_INVALIDATE"))))},
	{"prctl", true, byName(anyOf(prefix("PR_"), seccompArgs))},
	{"pidfd_signal", true, byName(prefix("PIDFD_SIGNAL_"))},
	{"prio", false, byName(prefix("PRIO_"))},
	{"ptrace", true, byName(prefix("PTRACE_"))},
	{"rlimit", false, byName(anyOf(prefix("RLIMIT_"), oneOf("RLIM_INFINITY")))},
	{"seccomp", true, byName(all(prefix("SECCOMP_"), not(prefix("SECCOMP_IOCTL_", "SECCOMP_IOC_"))))},
	{"signal", false, ofType("syscall", "Signal", prefix("SIG"))},
	// PF_R, PF_W and PF_X are ELF segment flags; socket PF_* are kept only
	// where the matching AF_* exists (see isProtocolFamily).
	// Other SOCK_* are sock_diag messages and SO_* lock masks, not types.
	{"socket", true, byName(anyOf(prefix("AF_"), oneOf("SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW",
		"SOCK_RDM", "SOCK_SEQPACKET", "SOCK_DCCP", "SOCK_PACKET", "SOCK_CLOEXEC", "SOCK_NONBLOCK")))},
	{"syscall", false, byName(prefix("SYS_", "AUDIT_ARCH_"))},
	// Landlock rights by their short names (execute, write_file…): only
	// those whose ABI alsh knows (landlock.go's rightABI).
	{"landlock_fs", true, byName(all(prefix("LANDLOCK_ACCESS_FS_"), not(oneOf("LANDLOCK_ACCESS_FS_RESOLVE_UNIX"))))},
	{"landlock_net", true, byName(oneOf("LANDLOCK_ACCESS_NET_BIND_TCP", "LANDLOCK_ACCESS_NET_CONNECT_TCP"))},
	{"wait", true, byName(anyOf(oneOf("WNOHANG", "WUNTRACED", "WCONTINUED", "WEXITED", "WSTOPPED",
		"WNOWAIT", "WALL", "WCLONE", "WNOTHREAD"), prefix("P_")))},
}

// aliases adds names alcove knows under another spelling; each is derived
// from a name x/sys has, so the value still comes from x/sys.
var aliases = map[string][][2]string{
	// alcove's portable mount aliases (BSD spellings).
	"mount": {{"rdonly", "MS_RDONLY"}, {"nosuid", "MS_NOSUID"}, {"noexec", "MS_NOEXEC"}, {"noatime", "MS_NOATIME"}},
	// <sys/wait.h> spells them __WALL etc.; x/sys drops the underscores.
	"wait": {{"__wall", "WALL"}, {"__wclone", "WCLONE"}, {"__wnothread", "WNOTHREAD"}},
}

// reverseAliases are the names never chosen for a value's reverse lookup:
// alcove's first-match order (sigabrt not sigiot, sigio not sigpoll,
// sigchld not sigcld) and Erlang's errno atoms (eagain not ewouldblock,
// edeadlk not edeadlock, and enotsup not eopnotsupp for 95, as Erlang and
// alcove report it on Linux). These agree with x/sys SignalName and
// ErrnoName, which the test uses as oracle.
var reverseAliases = map[string]bool{
	"SIGIOT": true, "SIGPOLL": true, "SIGCLD": true,
	"EWOULDBLOCK": true, "EOPNOTSUPP": true, "EDEADLOCK": true,
	"CAP_LAST_CAP": true,
}

func main() {
	out := flag.String("o", "zconstants.go", "output file")
	flag.Parse()
	scope, err := loadUnix()
	if err != nil {
		log.Fatal(err)
	}
	src, err := generate(scope)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// loadUnix type-checks x/sys/unix from source as built for linux/amd64.
func loadUnix() (*types.Scope, error) {
	build.Default.GOOS = "linux"
	build.Default.GOARCH = "amd64"
	build.Default.CgoEnabled = false
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	imp := importer.ForCompiler(token.NewFileSet(), "source", nil).(types.ImporterFrom)
	pkg, err := imp.ImportFrom(unixPath, wd, 0)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", unixPath, err)
	}
	return pkg.Scope(), nil
}

// consts returns the exported integer constants of scope by name.
func consts(scope *types.Scope) map[string]*types.Const {
	m := map[string]*types.Const{}
	for _, n := range scope.Names() {
		c, ok := scope.Lookup(n).(*types.Const)
		if ok && c.Exported() && c.Val().Kind() == constant.Int {
			m[n] = c
		}
	}
	return m
}

// int64Of gives a constant as int64, storing values above MaxInt64 (some
// ioctl numbers, RLIM_INFINITY) as their two's complement.
func int64Of(c *types.Const) (int64, error) {
	if v, exact := constant.Int64Val(c.Val()); exact {
		return v, nil
	}
	if u, exact := constant.Uint64Val(c.Val()); exact {
		return int64(u), nil
	}
	return 0, fmt.Errorf("constant %s = %s does not fit 64 bits", c.Name(), c.Val())
}

func isProtocolFamily(n string, cs map[string]*types.Const) bool {
	_, ok := cs["AF_"+strings.TrimPrefix(n, "PF_")]
	return strings.HasPrefix(n, "PF_") && ok
}

// collect builds every table as lowercase name → value.
func collect(cs map[string]*types.Const) (map[string]map[string]int64, error) {
	out := map[string]map[string]int64{}
	for _, t := range tables {
		m := map[string]int64{}
		for n, c := range cs {
			if !t.include(n, c) && !(t.name == "socket" && isProtocolFamily(n, cs)) {
				continue
			}
			v, err := int64Of(c)
			if err != nil {
				return nil, err
			}
			m[strings.ToLower(strings.TrimPrefix(n, trims[t.name]))] = v
		}
		for _, a := range aliases[t.name] {
			v, err := int64Of(cs[a[1]])
			if err != nil {
				return nil, err
			}
			m[a[0]] = v
		}
		out[t.name] = m
	}
	return out, nil
}

// reverse maps each value of a table to its preferred name: the sorted
// first name that is not a reverse alias.
func reverse(t map[string]int64) map[int64]string {
	r := map[int64]string{}
	for _, n := range sortedKeys(t) {
		if _, ok := r[t[n]]; !ok && !reverseAliases[strings.ToUpper(n)] {
			r[t[n]] = n
		}
	}
	return r
}

func sortedKeys[K string | int64](m map[K]int64) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func generate(scope *types.Scope) ([]byte, error) {
	ts, err := collect(consts(scope))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by gen_constants.go; DO NOT EDIT.\n\n")
	b.WriteString("// Source: " + unixPath + ", linux/amd64.\n\n")
	b.WriteString("package builtins\n\nimport \"sync\"\n\n")
	b.WriteString("// kernelTable builds the generated table name (nil if there is none)\n")
	b.WriteString("// at each call: each is built on first use, alone (table caches it), so\n")
	b.WriteString("// that a node, which never looks a constant up, does not pay for them at\n")
	b.WriteString("// start, nor a driver for the tables it does not use.\n")
	b.WriteString("func kernelTable(name string) map[string]int64 {\n\tswitch name {\n")
	writeTableCases(&b, ts)
	b.WriteString("}\nreturn nil\n}\n\n")
	b.WriteString("// kernelTableNames are the tables kernelTable builds.\n")
	b.WriteString("var kernelTableNames = []string{")
	for _, t := range tables {
		if !slices.Contains(nodeTableNames, t.name) {
			fmt.Fprintf(&b, "%q, ", t.name)
		}
	}
	b.WriteString("}\n\n")
	b.WriteString("// nodeTables are the small tables that a node's own calls look names up\n")
	b.WriteString("// in (capabilities, errnos, Landlock rights), apart so that such a\n")
	b.WriteString("// lookup does not build every table; built at the first, once.\n")
	b.WriteString("var nodeTables = sync.OnceValue(func() map[string]map[string]int64 {\n\treturn map[string]map[string]int64{\n")
	writeTables(&b, ts, true)
	b.WriteString("}\n})\n\n")
	b.WriteString("// The names of signals, errnos and capabilities, indexed by value (nameAt):\n")
	b.WriteString("// arrays the linker lays out, which a node's start does not build.\n\n")
	writeReverse(&b, "signalNames", ts["signal"])
	writeReverse(&b, "errnoNames", ts["errno"])
	writeReverse(&b, "capNames", ts["cap"])
	return format.Source(b.Bytes())
}

// nodeTableNames are the tables written as nodeTables rather than by
// kernelTable.
var nodeTableNames = []string{"cap", "errno", "landlock_fs", "landlock_net"}

func writeTables(b *bytes.Buffer, ts map[string]map[string]int64, node bool) {
	for _, t := range tables {
		if slices.Contains(nodeTableNames, t.name) != node {
			continue
		}
		fmt.Fprintf(b, "\t%q: {\n", t.name)
		writeEntries(b, ts[t.name], t.hex)
		b.WriteString("\t},\n")
	}
}

// writeTableCases writes kernelTable's cases, one per table.
func writeTableCases(b *bytes.Buffer, ts map[string]map[string]int64) {
	for _, t := range tables {
		if slices.Contains(nodeTableNames, t.name) {
			continue
		}
		fmt.Fprintf(b, "\tcase %q:\n\t\treturn map[string]int64{\n", t.name)
		writeEntries(b, ts[t.name], t.hex)
		b.WriteString("\t\t}\n")
	}
}

func writeEntries(b *bytes.Buffer, t map[string]int64, tableHex bool) {
	for _, n := range sortedKeys(t) {
		// AUDIT_ARCH_* are bit patterns among syscall numbers.
		hex := tableHex || strings.HasPrefix(n, "audit_arch_")
		fmt.Fprintf(b, "\t\t%q: %s,\n", n, literal(t[n], hex))
	}
}

func writeReverse(b *bytes.Buffer, name string, t map[string]int64) {
	r := reverse(t)
	vs := make([]int64, 0, len(r))
	for v := range r {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	fmt.Fprintf(b, "var %s = [...]string{\n", name)
	for _, v := range vs {
		fmt.Fprintf(b, "\t%d: %q,\n", v, r[v])
	}
	b.WriteString("}\n\n")
}

func literal(v int64, hex bool) string {
	switch {
	case !hex:
		return fmt.Sprint(v)
	case v < 0:
		return fmt.Sprintf("-0x%x", uint64(-v))
	}
	return fmt.Sprintf("0x%x", v)
}
