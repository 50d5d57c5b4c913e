package engine

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/node"
)

// A proto-node keeps its own environment: setenv, unsetenv and clearenv
// need no boot, and /usr/bin/env (the oracle) sees what they made, in the
// proto-node's programs, its children's, and its node's after a boot.

func needEnvProgram(t *testing.T) {
	needProto(t)
	if _, err := os.Stat("/usr/bin/env"); err != nil {
		t.Skip("no /usr/bin/env")
	}
}

// envOf runs /usr/bin/env in pl (an execvp) and returns the lines it
// printed.
func envOf(t *testing.T, e *Engine, ctx context.Context, pl []int) []string {
	t.Helper()
	call(t, e, ctx, pl, "execvp", "/usr/bin/env", []any{"env"})
	ev, out := progOutput(t, e, ctx, pl)
	if ev != "{exit_status: 0}" {
		t.Fatalf("env in %v: %s", pl, ev)
	}
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
}

// stillProto fails the test when pl booted.
func stillProto(t *testing.T, e *Engine, pl []int, after string) {
	t.Helper()
	if !isProto(t, e, pl) {
		t.Fatalf("%s booted the proto-node", after)
	}
}

func TestProtoNodeEnvironmentReachesPrograms(t *testing.T) {
	needEnvProgram(t)
	UserEnv(t, map[string]string{"ALSH_GONE": "1", "ALSH_KEPT": "old"})
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "setenv", "ALSH_NEW", "a b=c")
	call(t, e, ctx, c, "setenv", "ALSH_KEPT", "new", int64(0))
	call(t, e, ctx, c, "setenv", "ALSH_TWICE", "1")
	call(t, e, ctx, c, "setenv", "ALSH_TWICE", "2", int64(1))
	call(t, e, ctx, c, "unsetenv", "ALSH_GONE")
	call(t, e, ctx, c, "unsetenv", "ALSH_NEVER_SET")
	stillProto(t, e, c, "setenv and unsetenv")
	env := envOf(t, e, ctx, c)
	for _, want := range []string{"ALSH_NEW=a b=c", "ALSH_KEPT=old", "ALSH_TWICE=2"} {
		if !slices.Contains(env, want) {
			t.Errorf("env lacks %s: %q", want, env)
		}
	}
	for _, gone := range []string{"ALSH_GONE=", "ALSH_KEPT=new", "ALSH_TWICE=1"} {
		if slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, gone) }) {
			t.Errorf("env has %s: %q", gone, env)
		}
	}
}

// clearenv, then setenv: the program sees one variable. Without the
// user's GOMAXPROCS, GODEBUG and GORACE, which its boot would restore,
// the proto-node clears its environment itself.
func TestProtoNodeClearenvReachesPrograms(t *testing.T) {
	needEnvProgram(t)
	UserEnv(t, map[string]string{"GOMAXPROCS": "", "GODEBUG": "", "GORACE": ""})
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "clearenv")
	call(t, e, ctx, c, "setenv", "FOO", "bar")
	stillProto(t, e, c, "clearenv")
	if env := envOf(t, e, ctx, c); !slices.Equal(env, []string{"FOO=bar"}) {
		t.Fatalf("env after clearenv and setenv: %q", env)
	}
}

// A node booted after the changes has them (its os.Environ, its
// programs), with the user's GOMAXPROCS and GODEBUG; its Go runtime
// started with its own settings.
func TestProtoNodeEnvironmentAfterBoot(t *testing.T) {
	needEnvProgram(t)
	UserEnv(t, map[string]string{"GOMAXPROCS": "3", "GODEBUG": "madvdontneed=1", "ALSH_GONE": "1"})
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "setenv", "ALSH_NEW", "x")
	call(t, e, ctx, c, "unsetenv", "ALSH_GONE")
	stillProto(t, e, c, "setenv and unsetenv")
	bootNode(t, e, ctx, c)
	if isProto(t, e, c) {
		t.Fatal("no boot")
	}
	if got := execEnvVar(t, e, c, "GODEBUG"); !strings.Contains(got, "asyncpreemptoff=1") {
		t.Errorf("the node's runtime started with GODEBUG %q, want asyncpreemptoff=1 in it", got)
	}
	environ := call(t, e, ctx, c, "environ").([]any)
	env := envOf(t, e, ctx, c)
	for _, want := range []string{"ALSH_NEW=x", "GOMAXPROCS=3", "GODEBUG=madvdontneed=1"} {
		if !slices.Contains(env, want) || !slices.Contains(environ, any(want)) {
			t.Errorf("environ %q or env %q lacks %s", environ, env, want)
		}
	}
	if slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "ALSH_GONE=") }) {
		t.Errorf("env has ALSH_GONE: %q", env)
	}
}

// clearenv before a boot: the node's runtime starts with its settings,
// and its environment, and its programs', is what the proto-node left.
// With the user's GOMAXPROCS set, clearenv changes it: the proto-node
// boots for it, and its node clears its environment.
func TestProtoNodeClearenvThenBoot(t *testing.T) {
	needEnvProgram(t)
	for _, user := range []string{"", "3"} {
		UserEnv(t, map[string]string{"GOMAXPROCS": user, "GODEBUG": "", "GORACE": ""})
		e, ctx := start(t)
		c := fork(t, e, ctx, nil)
		call(t, e, ctx, c, "clearenv")
		if isProto(t, e, c) == (user != "") {
			t.Errorf("GOMAXPROCS %q: clearenv left a proto-node %v", user, isProto(t, e, c))
		}
		call(t, e, ctx, c, "setenv", "FOO", "bar")
		bootNode(t, e, ctx, c)
		if got := execEnvVar(t, e, c, "GODEBUG"); got != node.NodeGODEBUG {
			t.Errorf("GOMAXPROCS %q: the node's runtime started with GODEBUG %q", user, got)
		}
		if got := execEnvVar(t, e, c, "GOMAXPROCS"); got != "1" {
			t.Errorf("GOMAXPROCS %q: the node's runtime started with GOMAXPROCS %q", user, got)
		}
		if environ := call(t, e, ctx, c, "environ").([]any); !slices.Equal(environ, []any{"FOO=bar"}) {
			t.Errorf("GOMAXPROCS %q: environ of the booted node %q", user, environ)
		}
		if env := envOf(t, e, ctx, c); !slices.Equal(env, []string{"FOO=bar"}) {
			t.Errorf("GOMAXPROCS %q: env %q", user, env)
		}
		e.Close()
	}
}

// A change of a variable the node's runtime starts with is its node's:
// the proto-node boots, and the program sees the user's change.
func TestProtoNodeRuntimeVarsBoot(t *testing.T) {
	needEnvProgram(t)
	UserEnv(t, map[string]string{"GOMAXPROCS": "", "GODEBUG": "madvdontneed=1"})
	e, ctx := start(t)
	for _, change := range [][]any{{"setenv", "GOMAXPROCS", "2"}, {"unsetenv", "GODEBUG"}} {
		c := fork(t, e, ctx, nil)
		call(t, e, ctx, c, change[0].(string), change[1:]...)
		if isProto(t, e, c) {
			t.Fatalf("%v left a proto-node", change)
		}
		env := envOf(t, e, ctx, c)
		if slices.Contains(env, "GOMAXPROCS=2") != (change[0] == "setenv") ||
			slices.Contains(env, "GODEBUG=madvdontneed=1") != (change[0] == "setenv") {
			t.Errorf("%v: env %q", change, env)
		}
	}
}

// A proto-node's own child (a copy of it) has its environment, PATH
// included, which its execvp searches.
func TestProtoNodeForkInheritsEnvironment(t *testing.T) {
	needEnvProgram(t)
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/envprog", []byte("#!/bin/sh\necho \"$0 $ALSH_INHERITED\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "setenv", "ALSH_INHERITED", "yes")
	call(t, e, ctx, c, "setenv", "PATH", "/nonexistent:"+dir+"/.//:/usr/bin:/bin")
	kid := fork(t, e, ctx, c)
	other := fork(t, e, ctx, c)
	stillProto(t, e, c, "setenv and fork")
	stillProto(t, e, kid, "fork")
	if _, err := e.Call(ctx, kid, "execvp", []any{"nosuchprog", []any{"x"}}); !isErrno(err, unix.ENOENT) {
		t.Fatalf("execvp nosuchprog: %v", err)
	}
	stillProto(t, e, kid, "execvp of a program not in PATH")
	call(t, e, ctx, kid, "execvp", "envprog", []any{"envprog"})
	if ev, out := progOutput(t, e, ctx, kid); out != dir+"/envprog yes\n" {
		t.Errorf("the child's program: %s, %q", ev, out)
	}
	if env := envOf(t, e, ctx, other); !slices.Contains(env, "ALSH_INHERITED=yes") {
		t.Errorf("env in the child lacks ALSH_INHERITED: %q", env)
	}
}

// execEnvVar is a variable of the environment pl's process was executed
// with (its node's Go runtime read it), which os.Setenv does not change.
func execEnvVar(t *testing.T, e *Engine, pl []int, name string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(e.hostPid(t, pl)) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if v, ok := strings.CutPrefix(string(kv), name+"="); ok {
			return v
		}
	}
	return ""
}
