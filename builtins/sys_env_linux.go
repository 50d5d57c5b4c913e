package builtins

import (
	"os"

	"golang.org/x/sys/unix"
)

// The node's environment is its Go environment (os.Environ), which execvp
// passes to the program. The kernel's copy, /proc/PID/environ, shows the
// environment the node started with and does not change.
//
// A proto-node, which has no Go runtime, serves these calls with an
// environment of its own (engine/internal/proto/protoenv_linux.go), which
// becomes its node's at the boot. A booted node keeps this code: its
// environment must be the Go runtime's, which os/exec and exec.LookPath
// read. The two share the rule for names (EnvNameOK).

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

// checkEnvName refuses what setenv(3) refuses with EINVAL (EnvNameOK).
func checkEnvName(op, name string) error {
	if !EnvNameOK(name) {
		return sysErr(op, unix.EINVAL)
	}
	return nil
}

// EnvNameOK is setenv(3)'s rule for a name: not empty, and no '=' or NUL
// in it. A proto-node applies it too, where no Go runtime runs: so it is
// plain code, nosplit.
//
//go:norace
//go:nosplit
func EnvNameOK(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] == '=' || name[i] == 0 {
			return false
		}
	}
	return name != ""
}
