package lang

import (
	"reflect"
	"unsafe"

	"github.com/alsh/alsh/builtins"
)

// Call takes back the lists and records it returned as they are: they
// are the language's values already, and normalize's walk through them
// costs (alsh box passes sandbox.plans' plan, hundreds of values, to
// sandbox.apply_planned, on the sandbox's way: up to 25 µs of a first
// run).
// The language never changes a value in place, so one that Call
// returned is still normal when it comes back.

// maxReturned bounds the values an Interp remembers: a program that
// drives it holds few at a time.
const maxReturned = 16

// valueID is a list's or a record's identity: its memory (and a list's
// length: a longer slice of the same array may hold more).
type valueID struct {
	p unsafe.Pointer
	n int
}

// identity is v's valueID, if it is a list or a record.
func identity(v any) (valueID, bool) {
	switch x := v.(type) {
	case []any:
		if len(x) > 0 {
			return valueID{unsafe.Pointer(unsafe.SliceData(x)), len(x)}, true
		}
	case builtins.Record:
		return valueID{reflect.ValueOf(x).UnsafePointer(), -1}, true
	}
	return valueID{}, false
}

// remember notes v, which Call returned, to take it back as it is.
func (in *Interp) remember(v any) {
	id, ok := identity(v)
	if !ok {
		return
	}
	if len(in.returned) >= maxReturned {
		clear(in.returned)
	}
	in.returned[id] = true
}

// takeBack is normalize(v), but v itself when Call returned it.
func (in *Interp) takeBack(v any) any {
	if id, ok := identity(v); ok && in.returned[id] {
		return v
	}
	return normalize(v)
}
