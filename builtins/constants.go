package builtins

//go:generate go run gen_constants.go

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// Constant tables that are alsh's own rather than the kernel's.
var ownTables = map[string]map[string]int64{
	// node options, for getopt/setopt
	"option": {
		"maxchild": OptMaxChild, "maxforkdepth": OptMaxForkDepth,
		"exit_status": OptExitStatus, "termsig": OptTermsig,
		"signaloneof": OptSignalOnEOF, "flowcontrol": OptFlowControl,
		"stdin_closed": OptStdinClosed, "stdout_closed": OptStdoutClosed,
		"stderr_closed": OptStderrClosed, "prefork": OptPrefork,
	},
	// the three streams, for eof
	"stdio": {"stdin": 0, "stdout": 1, "stderr": 2},
	// fd_pass: the received fd stays open across exec
	"fd_pass": {"fd_inheritable": 1},
}

// extraTables holds the few kernel constants alcove knows that x/sys does
// not export; they are merged over the generated kernelTables.
var extraTables = map[string]map[string]int64{
	// glibc's internal O_SYNC bit (O_SYNC = __O_SYNC|O_DSYNC); alcove's file
	// table lists it, x/sys only has the combined O_SYNC.
	"file": {"__o_sync": 0x100000},
	// RLIMIT_NLIMITS (= RLIM_NLIMITS) counts the limits; x/sys omits it.
	"rlimit": {"rlimit_nlimits": 16},
	// pidfd_open's flags are open(2)'s (linux/pidfd.h); x/sys names none.
	"pidfd": {"pidfd_nonblock": 0x800, "pidfd_thread": 0x80},
	// x/sys exports no FIO* ioctls on Linux; values from asm-generic
	// ioctls.h and sockios.h, which amd64 uses unchanged.
	"ioctl": {
		"fionread": 0x541b, "fionbio": 0x5421, "fionclex": 0x5450, "fioclex": 0x5451,
		"fioasync": 0x5452, "fioqsize": 0x5460, "fiosetown": 0x8901, "fiogetown": 0x8903,
	},
	// The securebits of <linux/securebits.h> (bit 2n is the flag, 2n+1
	// locks it); x/sys exports none of them.
	"secbit": {
		"secbit_noroot": 1 << 0, "secbit_noroot_locked": 1 << 1,
		"secbit_no_setuid_fixup": 1 << 2, "secbit_no_setuid_fixup_locked": 1 << 3,
		"secbit_keep_caps": 1 << 4, "secbit_keep_caps_locked": 1 << 5,
		"secbit_no_cap_ambient_raise": 1 << 6, "secbit_no_cap_ambient_raise_locked": 1 << 7,
		"secbit_exec_restrict_file": 1 << 8, "secbit_exec_restrict_file_locked": 1 << 9,
		"secbit_exec_deny_interactive": 1 << 10, "secbit_exec_deny_interactive_locked": 1 << 11,
	},
}

// capMaskTable is the cap table as bits (cap_chown is 1, cap_kill 1<<5),
// for the calls that take a set of capabilities: a list of names then
// ORs into the set, as clone flags do.
func capMaskTable(tables map[string]map[string]int64) map[string]map[string]int64 {
	m := map[string]int64{}
	for name, n := range tables["cap"] {
		if name != "cap_last_cap" {
			m[name] = 1 << n
		}
	}
	return map[string]map[string]int64{"caps": m}
}

// allTables is every table by name: alsh's own, the generated kernel
// tables, and extraTables.
var allTables = sync.OnceValue(func() map[string]map[string]int64 {
	nt := nodeTables()
	return mergeTables(ownTables, kernelTables(), nt, capMaskTable(nt), extraTables)
})

// kernelTables are the generated tables, all of them.
func kernelTables() map[string]map[string]int64 {
	m := make(map[string]map[string]int64, len(kernelTableNames))
	for _, name := range kernelTableNames {
		m[name] = kernelTable(name)
	}
	return m
}

// oneTable is allTables()[name], built alone: the first lookup of a
// clone flag took 0.38 ms when it built every table (the syscall numbers,
// the ioctls…), and a node's lookups (errnos, capabilities) build only
// theirs.
func oneTable(name string) map[string]int64 {
	kernel := map[string]map[string]int64{}
	if t := kernelTable(name); t != nil {
		kernel[name] = t
	}
	caps := map[string]map[string]int64{}
	if name == "caps" {
		caps = capMaskTable(nodeTables())
	}
	// in allTables' order: a later table's value of a name wins
	return mergeTables(only(ownTables, name), kernel, only(nodeTables(), name), caps, only(extraTables, name))[name]
}

// only is the table name of m, alone (none if m has not it).
func only(m map[string]map[string]int64, name string) map[string]map[string]int64 {
	if t, ok := m[name]; ok {
		return map[string]map[string]int64{name: t}
	}
	return nil
}

// builtTables caches oneTable's tables by name.
var builtTables sync.Map

func mergeTables(ms ...map[string]map[string]int64) map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	for _, m := range ms {
		for name, t := range m {
			if out[name] == nil {
				out[name] = map[string]int64{}
			}
			maps.Copy(out[name], t)
		}
	}
	return out
}

// DefineTables are the tables Define searches, in alcove's order.
var DefineTables = []string{"clone", "fcntl", "file", "ioctl", "mount", "prctl", "rlimit", "signal", "syscall"}

// Node options, by number.
const (
	OptMaxChild = iota + 1
	OptMaxForkDepth
	OptExitStatus
	OptTermsig
	OptSignalOnEOF
	OptFlowControl
	OptStdinClosed
	OptStdoutClosed
	OptStderrClosed
	OptPrefork
	NumOpts
)

// UnknownConstError names a constant no table knows, with near names.
type UnknownConstError struct {
	Table   string
	Name    string
	Nearest []string
}

func (e *UnknownConstError) Error() string {
	msg := fmt.Sprintf("unknown %s constant %s", e.Table, e.Name)
	if len(e.Nearest) > 0 {
		msg += " (did you mean " + strings.Join(e.Nearest, ", ") + "?)"
	}
	return msg
}

func table(name string) map[string]int64 {
	if t, ok := builtTables.Load(name); ok {
		return t.(map[string]int64)
	}
	t := oneTable(name)
	if t != nil {
		builtTables.Store(name, t)
	}
	return t
}

// Constant returns the value of a constant, matched case-insensitively.
func Constant(tableName, name string) (int64, error) {
	t := table(tableName)
	if t == nil {
		return 0, fmt.Errorf("unknown constant table %s", tableName)
	}
	if v, ok := t[strings.ToLower(name)]; ok {
		return v, nil
	}
	return 0, &UnknownConstError{Table: tableName, Name: name, Nearest: nearest(strings.ToLower(name), t)}
}

// ConstantName returns the first name (sorted) of a value in a table. For
// signals and errnos it is the preferred name of SignalName and ErrnoName
// (sigabrt not sigiot, enotsup not eopnotsupp).
func ConstantName(tableName string, v int64) (string, bool) {
	switch tableName {
	case "signal":
		return nameAt(signalNames[:], v)
	case "errno":
		return nameAt(errnoNames[:], v)
	}
	t := table(tableName)
	for _, n := range ConstantNames(tableName) {
		if t[n] == v {
			return n, true
		}
	}
	return "", false
}

// ConstantNames lists a table's names, sorted.
func ConstantNames(tableName string) []string {
	return slices.Sorted(maps.Keys(table(tableName)))
}

// Tables lists the constant tables.
func Tables() []string {
	return slices.Sorted(maps.Keys(allTables()))
}

// ErrnoByName returns the errno named, case-insensitively (eperm, EPERM).
// Aliases resolve too: ewouldblock is eagain.
func ErrnoByName(name string) (syscall.Errno, bool) {
	v, ok := table("errno")[strings.ToLower(name)]
	return syscall.Errno(v), ok
}

// SignalByName returns the signal named, case-insensitively and with or
// without the sig prefix: sigterm, SIGTERM and term are all 15.
func SignalByName(name string) (int, bool) {
	name = strings.ToLower(name)
	if !strings.HasPrefix(name, "sig") {
		name = "sig" + name
	}
	v, ok := table("signal")[name]
	return int(v), ok
}

// Define looks a constant up in DefineTables, in order, like alcove's
// define, and returns its value and the table that knew it. An unknown name
// gives an *UnknownConstError for table "any", with near names drawn from
// all of DefineTables.
func Define(name string) (int64, string, error) {
	return LookupAny(DefineTables, name)
}

// LookupAny looks a constant up in the first of tables that has it and
// returns its value and that table's name. An unknown name gives an
// *UnknownConstError naming the table, or "any" when there are several.
func LookupAny(tables []string, name string) (int64, string, error) {
	lower := strings.ToLower(name)
	for _, tn := range tables {
		if v, ok := table(tn)[lower]; ok {
			return v, tn, nil
		}
	}
	label := "any"
	if len(tables) == 1 {
		label = tables[0]
	}
	var ts []map[string]int64
	for _, tn := range tables {
		ts = append(ts, table(tn))
	}
	return 0, "", &UnknownConstError{Table: label, Name: name, Nearest: nearest(lower, ts...)}
}

// SignalName is the lowercase name of a signal (sigterm), or its number.
func SignalName(sig int) string {
	if n, ok := nameAt(signalNames[:], int64(sig)); ok {
		return n
	}
	return fmt.Sprint(sig)
}

// ErrnoName is the lowercase symbolic name of an errno (eperm).
func ErrnoName(e syscall.Errno) string {
	if n, ok := nameAt(errnoNames[:], int64(e)); ok {
		return n
	}
	return fmt.Sprintf("errno%d", int(e))
}

// nameAt is the name of value v in names, a table of names indexed by
// value (signalNames, errnoNames, capNames), and whether it has one.
func nameAt(names []string, v int64) (string, bool) {
	if v < 0 || v >= int64(len(names)) || names[v] == "" {
		return "", false
	}
	return names[v], true
}

// maxSuggestions bounds UnknownConstError.Nearest; maxDistance is the
// largest edit distance suggested for names that do not extend the input.
const (
	maxSuggestions = 3
	maxDistance    = 3
)

// nearest returns up to three names of ts close to name: within a small
// edit distance, or extending name as a prefix. Closest come first.
func nearest(name string, ts ...map[string]int64) []string {
	dist := map[string]int{}
	for _, t := range ts {
		for n := range t {
			if d, ok := closeTo(n, name); ok {
				dist[n] = d
			}
		}
	}
	names := slices.Collect(maps.Keys(dist))
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(dist[a], dist[b]), cmp.Compare(a, b))
	})
	return names[:min(len(names), maxSuggestions)]
}

// closeTo reports whether candidate is worth suggesting for name, and how
// far it is. A candidate that extends name counts as one edit away, so that
// sys_pidfd suggests sys_pidfd_open; lengths differing by more than
// maxDistance skip the edit distance.
func closeTo(candidate, name string) (int, bool) {
	if strings.HasPrefix(candidate, name) {
		return min(len(candidate)-len(name), 1), true
	}
	if abs(len(candidate)-len(name)) > maxDistance {
		return 0, false
	}
	d := EditDistance(candidate, name)
	return d, d <= maxDistance
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// EditDistance is the Levenshtein distance of a and b, in two rows.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
