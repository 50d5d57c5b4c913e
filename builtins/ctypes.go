package builtins

import (
	"fmt"
	"math"
)

// A C integer type that an argument must fit. The kernel (or the C ABI of
// the syscall) reads only the low bits of a wider value, so a value out of
// range would act on another uid, pid or signal than the one written: it is
// refused before any syscall is made.
type cType struct {
	min, max int64
}

// cTypes are the C types named in Arg.Table by Int and Ints arguments, and
// by flagTypes for constant tables.
var cTypes = map[string]cType{
	"int":            {math.MinInt32, math.MaxInt32},
	"pid_t":          {math.MinInt32, math.MaxInt32},
	"unsigned int":   {0, math.MaxUint32},
	"unsigned short": {0, math.MaxUint16},
	"mode_t":         {0, math.MaxUint32},
	"id_t":           {0, math.MaxUint32},
	// uid_t and gid_t are unsigned, but -1 is how C spells (uid_t)-1,
	// "leave unchanged" for setresuid and chown.
	"uid_t":         {-1, math.MaxUint32},
	"gid_t":         {-1, math.MaxUint32},
	"size_t":        {0, math.MaxInt64},
	"off_t":         {math.MinInt64, math.MaxInt64},
	"long":          {math.MinInt64, math.MaxInt64},
	"unsigned long": {math.MinInt64, math.MaxInt64}, // all 64 bits, as an int64 holds them
}

// flagTypes: the C type of the parameter each constant table's values go
// to, where it is wider than int.
var flagTypes = map[string]string{
	"clone":   "unsigned long",
	"mount":   "unsigned long",
	"ioctl":   "unsigned long",
	"seccomp": "unsigned int",
	// masks of 64 bits: a capability set, landlock's access rights
	"caps":         "unsigned long",
	"landlock_fs":  "unsigned long",
	"landlock_net": "unsigned long",
	"pidfd":        "unsigned int",
	"pidfd_signal": "unsigned int",
	"secbit":       "unsigned long",
	// __wclone is bit 31 of waitid's int options
	"wait": "unsigned int",
	// the table also holds values for prctl's unsigned long arguments
	"prctl": "unsigned long",
}

// argCType is the C type an Int, Ints or Flags argument must fit.
func argCType(a Arg) string {
	switch {
	case a.Kind == Flags && flagTypes[a.Table] != "":
		return flagTypes[a.Table]
	case a.Kind == Flags, a.Table == "":
		return "int"
	}
	return a.Table
}

// fitCType refuses an integer that the argument's C type cannot hold.
func fitCType(a Arg, n int64) error {
	name := argCType(a)
	t, ok := cTypes[name]
	if !ok { // a row of the table names no known type: TestIntArgsNameCTypes
		return fmt.Errorf("argument type %s is unknown", name)
	}
	if n < t.min || n > t.max {
		return fmt.Errorf("%d is out of range for %s (%d to %d)", n, name, t.min, t.max)
	}
	return nil
}

// CRange is the range of integers an Int or Flags argument accepts (its
// C type's), for code that checks arguments without the table's errors.
func CRange(a Arg) (lo, hi int64) {
	t := cTypes[argCType(a)]
	return t.min, t.max
}
