package engine_test

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/alsh/alsh/engine"
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

// A node's Go runtime starts with GOMAXPROCS and GODEBUG of its own, and
// GORACE in a race build (node.ChildEnv; the root's too, without an exec
// wrapper); the programs it execs see the user's, set or unset, whether
// they are exec'd by a proto-node, a booted node or the root.
func TestRuntimeSettingsStayOurs(t *testing.T) {
	for _, tc := range []struct{ gomaxprocs, godebug, gorace, want string }{
		{"", "", "", "unset/unset/unset\n"},
		{"3", "madvdontneed=1", "history_size=1", "3/madvdontneed=1/history_size=1\n"},
	} {
		engine.UserEnv(t, map[string]string{"GOMAXPROCS": tc.gomaxprocs, "GODEBUG": tc.godebug, "GORACE": tc.gorace})
		s := startSC(t)
		s.boot(nil) // a root started as a proto-node has the driver's environment until then
		if env := bootEnviron(t, s, nil); !strings.Contains(env, "asyncpreemptoff=1") {
			t.Errorf("the root's runtime started with %q, want asyncpreemptoff=1 in it", env)
		}
		for _, booted := range []bool{false, true} {
			c := s.fork(nil)
			if booted {
				s.boot(c) // not a proto-node's call: the child boots
				if env := bootEnviron(t, s, c); !strings.Contains(env, "asyncpreemptoff=1") {
					t.Errorf("a booted node's runtime started with %q, want asyncpreemptoff=1 in it", env)
				}
			}
			s.call(c, "execvp", "/bin/sh", strList("sh", "-c", `echo "${GOMAXPROCS-unset}/${GODEBUG-unset}/${GORACE-unset}"`))
			if got := s.output(c); got != tc.want {
				t.Errorf("GOMAXPROCS %q, GODEBUG %q, booted %v: the program saw %q, want %q",
					tc.gomaxprocs, tc.godebug, booted, got, tc.want)
			}
		}
	}
}

// bootEnviron is the GODEBUG a node's Go runtime started with: the
// environment of its exec, which os.Setenv does not change.
func bootEnviron(t *testing.T, s *sc, pl []int) string {
	for _, p := range s.e.Processes() {
		if slices.Equal(p.Pipeline, pl) || len(pl) == 0 && len(p.Pipeline) == 0 {
			b, err := os.ReadFile("/proc/" + strconv.Itoa(p.HostPid) + "/environ")
			if err != nil {
				t.Fatal(err)
			}
			for _, kv := range bytes.Split(b, []byte{0}) {
				if v, ok := strings.CutPrefix(string(kv), "GODEBUG="); ok {
					return v
				}
			}
			return ""
		}
	}
	t.Fatalf("no process %v", pl)
	return ""
}
