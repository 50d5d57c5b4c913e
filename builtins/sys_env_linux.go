package builtins

import (
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// The node's environment is its Go environment (os.Environ), which execvp
// passes to the program. The kernel's copy, /proc/PID/environ, shows the
// environment the node started with and does not change.

func sysEnviron(Node, Args) (any, error) {
	env := os.Environ()
	out := make([]any, len(env))
	for i, kv := range env {
		out[i] = kv
	}
	return out, nil
}

// sysGetenv returns nil (ok) for an unset variable, so that unset and set
// to "" differ, as alcove's false and <<>> do.
func sysGetenv(_ Node, a Args) (any, error) {
	if v, set := os.LookupEnv(a.Str(0)); set {
		return v, nil
	}
	return nil, nil
}

func sysSetenv(_ Node, a Args) (any, error) {
	name := a.Str(0)
	if err := checkEnvName("setenv", name); err != nil {
		return nil, err
	}
	if a.Has(2) && a.Int(2) == 0 {
		if _, set := os.LookupEnv(name); set {
			return nil, nil
		}
	}
	return ok(os.Setenv(name, a.Str(1)))
}

func sysUnsetenv(_ Node, a Args) (any, error) {
	name := a.Str(0)
	if err := checkEnvName("unsetenv", name); err != nil {
		return nil, err
	}
	return ok(os.Unsetenv(name))
}

func sysClearenv(Node, Args) (any, error) {
	os.Clearenv()
	return nil, nil
}

// checkEnvName refuses what setenv(3) refuses with EINVAL: an empty name
// or one containing '=' (or NUL).
func checkEnvName(op, name string) error {
	if name == "" || strings.ContainsAny(name, "=\x00") {
		return sysErr(op, unix.EINVAL)
	}
	return nil
}
