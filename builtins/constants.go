package builtins

import (
	"fmt"
	"sort"
	"strings"
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
		"stderr_closed": OptStderrClosed,
	},
	// the three streams, for eof
	"stdio": {"stdin": 0, "stdout": 1, "stderr": 2},
}

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
	if t, ok := ownTables[name]; ok {
		return t
	}
	return kernelTables[name]
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
	return 0, &UnknownConstError{Table: tableName, Name: name, Nearest: nearest(t, strings.ToLower(name))}
}

// ConstantName returns the first name (sorted) of a value in a table.
func ConstantName(tableName string, v int64) (string, bool) {
	for _, n := range ConstantNames(tableName) {
		if table(tableName)[n] == v {
			return n, true
		}
	}
	return "", false
}

// ConstantNames lists a table's names, sorted.
func ConstantNames(tableName string) []string {
	t := table(tableName)
	names := make([]string, 0, len(t))
	for n := range t {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Tables lists the constant tables.
func Tables() []string {
	var names []string
	for n := range ownTables {
		names = append(names, n)
	}
	for n := range kernelTables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SignalName is the lowercase name of a signal (sigterm), or its number.
func SignalName(sig int) string {
	if n, ok := signalNames[sig]; ok {
		return n
	}
	return fmt.Sprint(sig)
}

// ErrnoName is the lowercase symbolic name of an errno (eperm).
func ErrnoName(e syscall.Errno) string {
	if n, ok := errnoNames[e]; ok {
		return n
	}
	return fmt.Sprintf("errno%d", int(e))
}

// nearest returns up to three names of t close to name: sharing a prefix or
// within a small edit distance.
func nearest(t map[string]int64, name string) []string {
	type scored struct {
		name string
		d    int
	}
	var c []scored
	for n := range t {
		if d := editDistance(n, name); d <= 3 || strings.HasPrefix(n, name) {
			c = append(c, scored{n, d})
		}
	}
	sort.Slice(c, func(i, j int) bool {
		if c[i].d != c[j].d {
			return c[i].d < c[j].d
		}
		return c[i].name < c[j].name
	})
	var out []string
	for i := 0; i < len(c) && i < 3; i++ {
		out = append(out, c[i].name)
	}
	return out
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
