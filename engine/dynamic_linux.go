package engine

import (
	"fmt"
	"os"
	"sync"
)

// dynamicHint is added to the error of a call whose node ended during
// it, when this binary is linked dynamically (built with cgo on, Go's
// default where it finds a C compiler): every node is that binary, and
// one that starts where its ELF interpreter is missing (after a chroot
// or pivot_root) dies before it can say why.
var dynamicHint = sync.OnceValue(func() string {
	interp := Interpreter()
	if interp == "" {
		return ""
	}
	return fmt.Sprintf("; this binary is linked dynamically (built with cgo on): a node cannot start in a root without %s, so build it with CGO_ENABLED=0", interp)
})

// Interpreter is the ELF interpreter this program asks for: "" for a
// static build (CGO_ENABLED=0), which every sandbox can run.
func Interpreter() string { return elfInterpreter("/proc/self/exe") }

// elfInterpreter is the ELF interpreter the file at path names, or ""
// for a static executable (or a file that is not ELF).
func elfInterpreter(path string) string {
	file, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer file.Close()
	f, err := readELF(file)
	if err != nil {
		return ""
	}
	interp, err := f.interpreter()
	if err != nil {
		return ""
	}
	return interp
}
