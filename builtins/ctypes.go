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
// by flagTypes for constant tables. Lists, which the linker lays out: a
// node's start checks its runtime-free calls' ranges (CRange), and maps
// would be built for it.
var cTypes = []struct {
	name string
	cType
}{
	{"int", cType{math.MinInt32, math.MaxInt32}},
	{"pid_t", cType{math.MinInt32, math.MaxInt32}},
	{"unsigned int", cType{0, math.MaxUint32}},
	{"unsigned short", cType{0, math.MaxUint16}},
	{"mode_t", cType{0, math.MaxUint32}},
	{"id_t", cType{0, math.MaxUint32}},
	// uid_t and gid_t are unsigned, but -1 is how C spells (uid_t)-1,
	// "leave unchanged" for setresuid and chown.
	{"uid_t", cType{-1, math.MaxUint32}},
	{"gid_t", cType{-1, math.MaxUint32}},
	{"size_t", cType{0, math.MaxInt64}},
	{"off_t", cType{math.MinInt64, math.MaxInt64}},
	{"long", cType{math.MinInt64, math.MaxInt64}},
	{"unsigned long", cType{math.MinInt64, math.MaxInt64}}, // all 64 bits, as an int64 holds them
}

// cTypeNamed is the C type of cTypes named name.
func cTypeNamed(name string) (cType, bool) {
	for _, t := range cTypes {
		if t.name == name {
			return t.cType, true
		}
	}
	return cType{}, false
}

// flagTypes: the C type of the parameter each constant table's values go
// to, where it is wider than int (table, type).
var flagTypes = [][2]string{
	{"clone", "unsigned long"},
	{"mount", "unsigned long"},
	{"ioctl", "unsigned long"},
	{"seccomp", "unsigned int"},
	// masks of 64 bits: a capability set, landlock's access rights
	{"caps", "unsigned long"},
	{"landlock_fs", "unsigned long"},
	{"landlock_net", "unsigned long"},
	{"pidfd", "unsigned int"},
	{"pidfd_signal", "unsigned int"},
	{"secbit", "unsigned long"},
	// __wclone is bit 31 of waitid's int options
	{"wait", "unsigned int"},
	// the table also holds values for prctl's unsigned long arguments
	{"prctl", "unsigned long"},
}

// flagType is the C type of table's values in flagTypes, or "".
func flagType(table string) string {
	for _, f := range flagTypes {
		if f[0] == table {
			return f[1]
		}
	}
	return ""
}

// argCType is the C type an Int, Ints or Flags argument must fit.
func argCType(a Arg) string {
	switch {
	case a.Kind == Flags && flagType(a.Table) != "":
		return flagType(a.Table)
	case a.Kind == Flags, a.Table == "":
		return "int"
	}
	return a.Table
}

// fitCType refuses an integer that the argument's C type cannot hold.
func fitCType(a Arg, n int64) error {
	name := argCType(a)
	t, ok := cTypeNamed(name)
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
	t, _ := cTypeNamed(argCType(a))
	return t.min, t.max
}
