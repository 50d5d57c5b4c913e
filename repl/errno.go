package repl

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lessons"
)

// errnoCommand explains an errno name: errno eperm. errno [] 1 (a
// pipeline first) stays the call that names a number.
func (r *repl) errnoCommand(fields []string) bool {
	if fields[0] != "errno" || len(fields) != 2 || strings.HasPrefix(fields[1], "[") || r.isProc("errno") {
		return false
	}
	name := strings.ToLower(fields[1])
	meaning, ok := builtins.ErrnoMeaning(name)
	if !ok {
		if n, known := builtins.ErrnoByName(name); known {
			r.pr.printf("%s: %s\n", name, n.Error())
			return true
		}
		r.pr.errorf("error: errno: no errno named %s (eperm, enoent, eacces…)\n", fields[1])
		return true
	}
	n, _ := builtins.ErrnoByName(name)
	r.pr.printf("%s", lessons.Wrap(fmt.Sprintf("%s (%d): %s", name, int(n), meaning), "  "))
	return true
}

// teachingLine says why a call failed, in that call's terms, or what its
// errno means in general when alsh knows no cause for this call.
func teachingLine(call string, err error) string {
	e, ok := errors.AsType[syscall.Errno](err)
	if !ok {
		return ""
	}
	name := builtins.ErrnoName(e)
	if cause, ok := builtins.Cause(call, name); ok {
		return lessons.Wrap("  why: "+cause, "       ")
	}
	if meaning, ok := builtins.ErrnoMeaning(name); ok {
		return lessons.Wrap("  why: "+meaning, "       ")
	}
	return ""
}
