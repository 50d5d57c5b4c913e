package engine_test

import (
	"os"
	"slices"
	"testing"
)

// The environment calls change the node's environment, which execvp
// passes to the program (/usr/bin/env prints it: the oracle).
func TestEnvironment(t *testing.T) {
	if _, err := os.Stat("/usr/bin/env"); err != nil {
		t.Skip("no /usr/bin/env")
	}
	s := startSC(t)
	c := s.fork(nil)
	s.call(c, "setenv", "ALSH_T", "one", int64(1))
	if got := s.call(c, "getenv", "ALSH_T"); got != "one" {
		t.Fatalf("getenv after setenv = %v", got)
	}
	s.call(c, "setenv", "ALSH_T", "two", int64(0))
	if got := s.call(c, "getenv", "ALSH_T"); got != "one" {
		t.Fatalf("setenv with overwrite 0 replaced the value: %v", got)
	}
	s.call(c, "setenv", "ALSH_T", "three")
	if env := s.call(c, "environ").([]any); !slices.Contains(env, any("ALSH_T=three")) {
		t.Fatalf("environ lacks ALSH_T=three: %v", env)
	}
	s.call(c, "unsetenv", "ALSH_T")
	if got := s.call(c, "getenv", "ALSH_T"); got != nil {
		t.Fatalf("getenv of an unset variable = %v, want ok", got)
	}
	s.call(c, "setenv", "ALSH_EMPTY", "")
	if got := s.call(c, "getenv", "ALSH_EMPTY"); got != "" {
		t.Fatalf("getenv of an empty variable = %v, want \"\"", got)
	}
	s.fails(c, "setenv", "A=B", "x")
	s.call(c, "clearenv")
	if env := s.call(c, "environ").([]any); len(env) != 0 {
		t.Fatalf("environ after clearenv = %v", env)
	}
	s.call(c, "setenv", "FOO", "bar")
	s.call(c, "execvp", "/usr/bin/env", strList("env"))
	if out := s.output(c); out != "FOO=bar\n" {
		t.Fatalf("env printed %q, want FOO=bar only", out)
	}
}
