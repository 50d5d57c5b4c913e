package seccomp

//go:generate go run gen_syscalls.go

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// UnknownError names a syscall, group, action or operator no table knows,
// with the nearest known names.
type UnknownError struct {
	What    string // "syscall", "syscall group"…
	Name    string
	Nearest []string
}

func (e *UnknownError) Error() string {
	msg := fmt.Sprintf("unknown %s %s", e.What, e.Name)
	if len(e.Nearest) > 0 {
		msg += " (did you mean " + strings.Join(e.Nearest, ", ") + "?)"
	}
	return msg
}

func unknown(what, name string, known []string) error {
	return &UnknownError{What: what, Name: name, Nearest: nearest(name, known)}
}

// Number is a syscall's x86_64 number, by its kernel name (read, _sysctl)
// or with the sys_ prefix of alsh's syscall constants.
func Number(name string) (uint32, error) {
	if nr, ok := lookup(name); ok {
		return nr, nil
	}
	return 0, unknown("syscall", name, syscallNames())
}

func lookup(name string) (uint32, bool) {
	n := strings.ToLower(name)
	if nr, ok := syscallNumbers()[n]; ok {
		return nr, true
	}
	nr, ok := syscallNumbers()[strings.TrimPrefix(n, "sys_")]
	return nr, ok
}

// Name is the syscall of a number, or "" for none (x86_64 numbers are
// unique: a test checks).
func Name(nr uint32) string { return syscallByNumber()[nr] }

var syscallByNumber = sync.OnceValue(func() map[uint32]string {
	m := make(map[uint32]string, len(syscallNumbers()))
	for n, v := range syscallNumbers() {
		m[v] = n
	}
	return m
})

func syscallNames() []string {
	names := make([]string, 0, len(syscallNumbers()))
	for n := range syscallNumbers() {
		names = append(names, n)
	}
	return names
}

// nearest returns up to three known names within three edits of name, or
// extending it, closest first.
func nearest(name string, known []string) []string {
	dist := map[string]int{}
	for _, k := range known {
		switch d := editDistance(k, name); {
		case strings.HasPrefix(k, name):
			dist[k] = 1
		case d <= 3:
			dist[k] = d
		}
	}
	out := make([]string, 0, len(dist))
	for k := range dist {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(cmp.Compare(dist[a], dist[b]), cmp.Compare(a, b)) })
	return out[:min(len(out), 3)]
}

// editDistance is the Levenshtein distance of a and b (builtins has the
// same, but builtins imports this package).
func editDistance(a, b string) int {
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
