package box

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
)

var testOpts = Options{UID: 1000, GID: 100, Cwd: "/work", Home: "/home/u",
	ReadFD: func(fd int) ([]byte, error) {
		if fd == 3 {
			return []byte("data"), nil
		}
		return nil, errors.New("bad file descriptor")
	}}

// rootOpts are testOpts for root, who gets no user namespace unasked.
var rootOpts = func() Options { o := testOpts; o.UID, o.GID = 0, 0; return o }()

func steps(t *testing.T, args ...string) []any {
	t.Helper()
	b, err := Parse(args, rootOpts)
	if err != nil {
		t.Fatal(err)
	}
	return b.Steps
}

// TestParseOrder: the mounts keep their order, the pivot follows them, and
// the process's own set-up comes after, seccomp last.
func TestParseOrder(t *testing.T) {
	got := steps(t, "--ro-bind", "/", "/", "--perms", "1777", "--size", "4096", "--tmpfs", "/tmp",
		"--dir", "/tmp/d", "--file", "3", "/tmp/f", "--setenv", "A", "b", "--chdir", "/tmp",
		"--new-session", "--die-with-parent", "--", "prog", "arg")
	want := []any{
		[]any{"newroot"},
		[]any{"ro_bind", "/", "/"},
		[]any{"tmpfs", "/tmp", int64(0o1777), int64(4096)},
		[]any{"dir", "/tmp/d", int64(0o755)},
		[]any{"file", "/tmp/f", "data", int64(0o666)},
		[]any{"pivot"},
		[]any{"setenv", "A", "b"},
		[]any{"chdir", "/tmp"},
		[]any{"setsid"},
		[]any{"die_with_parent"},
		[]any{"no_new_privs"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("steps:\n got %v\nwant %v", got, want)
	}
}

// TestParseNamespaces: --unshare-all is every namespace, --share-net
// takes net back; a new net namespace gets its loopback up; a pid
// namespace puts the program in a child of pid 1 unless --as-pid-1.
func TestParseNamespaces(t *testing.T) {
	b, err := Parse([]string{"--unshare-all", "--share-net", "true"}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	want := []builtins.Const{"clone_newns", "clone_newuser", "clone_newipc", "clone_newpid", "clone_newuts", "clone_newcgroup"}
	if !reflect.DeepEqual(b.Clone, want) {
		t.Errorf("clone = %v, want %v", b.Clone, want)
	}
	if got := b.Maps; !reflect.DeepEqual(got, builtins.Record{"uid": "0 1000 1", "gid": "0 100 1", "setgroups": "deny"}) {
		t.Errorf("maps = %v", got)
	}
	// the program runs as the caller's ids, in a nested user namespace
	if !hasStep(b.Steps, "userns") || !hasStep(b.Steps, "enter") || hasStep(b.Steps, "child") {
		t.Errorf("steps %v: want userns and enter, no child", b.Steps)
	}
	if s := steps(t, "--unshare-net", "true"); !hasStep(s, "loopback") {
		t.Errorf("--unshare-net: no loopback step in %v", s)
	}
	if s := steps(t, "--unshare-pid", "--as-pid-1", "true"); hasStep(s, "child") || hasStep(s, "fork") {
		t.Errorf("--as-pid-1: a child or fork step in %v", s)
	}
}

// TestParseForkAfterSetup: without a terminal or a nested user namespace,
// the program's process is forked by pid 1 once the pivot, the
// environment and the working directory are done, so that it inherits
// them and has only runtime-free calls left before its exec.
func TestParseForkAfterSetup(t *testing.T) {
	b, err := Parse([]string{"--unshare-pid", "--setenv", "A", "b", "--new-session", "true"}, rootOpts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"newroot", "pivot", "setenv", "chdir_first", "fork", "setsid", "no_new_privs"}
	if got := stepNames(b.Steps); !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v", got, want)
	}
}

func stepNames(steps []any) []string {
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.([]any)[0].(string)
	}
	return names
}

func hasStep(steps []any, name string) bool {
	for _, s := range steps {
		if s.([]any)[0] == name {
			return true
		}
	}
	return false
}

// TestParseDefaultChdir: without --chdir, the working directory, then
// $HOME, as bwrap tries them.
func TestParseDefaultChdir(t *testing.T) {
	s := steps(t, "true")
	last := s[len(s)-2]
	if want := []any{"chdir_first", []any{"/work", "/home/u"}}; !reflect.DeepEqual(last, want) {
		t.Errorf("chdir step = %v, want %v", last, want)
	}
}

// TestParseErrors: each refusal names what was wrong.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--nosuch", "true"}, "unknown option --nosuch"},
		{[]string{"--bind", "/"}, "--bind takes 2 arguments"},
		{[]string{"--ro-bind", "/", "/"}, "no program to run"},
		{[]string{"--uid", "5", "true"}, "--uid and --gid need --unshare-user"},
		{[]string{"--unshare-user", "--uid", "x", "true"}, `--uid: want a number, got "x"`},
		{[]string{"--hostname", "h", "true"}, "--hostname needs --unshare-uts"},
		{[]string{"--as-pid-1", "true"}, "--as-pid-1 needs --unshare-pid"},
		{[]string{"--perms", "0999", "--dir", "/d", "true"}, `want an octal mode such as 0755, got "0999"`},
		{[]string{"--perms", "0700", "true"}, "--perms or --size must come before the option it changes"},
		{[]string{"--size", "-1", "--tmpfs", "/t", "true"}, `want a size in bytes, got "-1"`},
		{[]string{"--file", "4", "/f", "true"}, "--file: reading fd 4: bad file descriptor"},
		{[]string{"--seccomp", "3", "true"}, "fd 3 holds 4 bytes, not a list of 8-byte BPF instructions"},
		{[]string{"--bind", "a\x00b", "/x", "true"}, "holds a NUL byte"},
		{[]string{"--cap-add", "CAP_NET_RAWW", "true"}, "unknown capability CAP_NET_RAWW (did you mean CAP_NET_RAW?)"},
		{[]string{"--unshare-user", "--uid", "5", "--cap-drop", "ALL", "true"}, "--cap-add and --cap-drop with a sandbox uid or gid other than 0 are not supported"},
		{[]string{"--landlock-rw", "tmp", "true"}, `--landlock-rw: want an absolute path, got "tmp"`},
		{[]string{"--memory-max", "16Q", "true"}, `--memory-max: want a size in bytes such as 16M, or max, got "16Q"`},
		{[]string{"--pids-max", "0", "true"}, `--pids-max: want a positive number, or max, got "0"`},
		{[]string{"--cpu-max", "1 2 3", "true"}, `--cpu-max: want "QUOTA PERIOD"`},
		{[]string{"--memory-max", "16M", "true"}, "not possible here (no cgroup name)"},
		{[]string{"--seccomp-policy", "p.json", "true"}, "--seccomp-policy: reading p.json: not possible here"},
	} {
		_, err := Parse(tc.args, testOpts)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrUsage) {
			t.Errorf("Parse(%q) = %v, want a usage error holding %q", tc.args, err, tc.want)
		}
	}
}

// TestParseCaps: bwrap's requested capabilities: a root caller's by
// default, changed by --cap-add and --cap-drop in order (ALL: all or
// none); the bounding set is cut in a user namespace only; the sets are
// changed only when asked or for a caller other than root.
func TestParseCaps(t *testing.T) {
	o := rootOpts
	o.Caps = []string{"cap_chown", "cap_kill", "cap_sys_admin"}
	for _, tc := range []struct {
		args []string
		want []any
	}{
		{[]string{"true"}, nil},
		{[]string{"--unshare-user", "true"}, []any{
			[]any{"cap_bounding", consts("cap_chown", "cap_kill", "cap_sys_admin")}}},
		{[]string{"--cap-drop", "CAP_KILL", "true"}, []any{
			[]any{"caps", consts("cap_chown", "cap_sys_admin")}}},
		{[]string{"--cap-drop", "ALL", "--cap-add", "cap_net_raw", "--unshare-user", "true"}, []any{
			[]any{"cap_bounding", consts("cap_net_raw")}, []any{"caps", consts("cap_net_raw")}}},
		{[]string{"--cap-add", "CAP_NET_RAW", "--cap-drop", "ALL", "true"}, []any{
			[]any{"caps", consts()}}},
	} {
		b, err := Parse(tc.args, o)
		if err != nil {
			t.Fatal(err)
		}
		var got []any
		for _, s := range b.Steps {
			if n := s.([]any)[0]; n == "caps" || n == "cap_bounding" {
				got = append(got, s)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: cap steps %v, want %v", tc.args, got, tc.want)
		}
	}
	b, err := Parse([]string{"--cap-add", "ALL", "true"}, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(b.Steps[len(b.Steps)-2].([]any)[1].([]any)); got < 41 {
		t.Errorf("--cap-add ALL: %d capabilities", got)
	}
	// a caller other than root keeps none unless added (uid 0 inside)
	b, err = Parse([]string{"--unshare-user", "--uid", "0", "--gid", "0", "true"}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if !hasStep(b.Steps, "caps") || !hasStep(b.Steps, "cap_bounding") {
		t.Errorf("uid 1000: steps %v, want caps and cap_bounding", b.Steps)
	}
}

func consts(names ...string) []any {
	l := make([]any, len(names))
	for i, n := range names {
		l[i] = builtins.Const(n)
	}
	return l
}

// TestParseFilters: landlock, seccomp by name and cgroup limits become
// steps: the cgroup first, the filters last.
func TestParseFilters(t *testing.T) {
	o := rootOpts
	o.Cgroup = "alsh-box-1"
	o.ReadFile = func(path string) ([]byte, error) { return []byte(`{"defaultAction":"SCMP_ACT_ALLOW"}`), nil }
	b, err := Parse([]string{"--memory-max", "16M", "--pids-max", "64", "--cpu-max", "50000",
		"--landlock-ro", "/", "--landlock-rw", "/tmp", "--landlock-exec", "/usr",
		"--seccomp-deny", "@mount", "--seccomp-deny", "ptrace", "--seccomp-policy", "p.json", "true"}, o)
	if err != nil {
		t.Fatal(err)
	}
	first := b.Steps[0]
	wantCg := []any{"cgroup", "alsh-box-1", []any{[]any{"memory.max", int64(16 << 20)}, []any{"pids.max", int64(64)}, []any{"cpu.max", "50000 100000"}}}
	if !reflect.DeepEqual(first, wantCg) || b.Cgroup != "alsh-box-1" {
		t.Errorf("first step %v, want %v", first, wantCg)
	}
	n := len(b.Steps)
	wantLL := []any{"landlock", builtins.Record{"ro": []any{"/"}, "rw": []any{"/tmp"}, "exec": []any{"/usr"}}}
	if !reflect.DeepEqual(b.Steps[n-3], wantLL) {
		t.Errorf("landlock step %v, want %v", b.Steps[n-3], wantLL)
	}
	if s := b.Steps[n-2].([]any); s[0] != "seccomp_policy" || s[1] != `{"defaultAction":"SCMP_ACT_ALLOW"}` {
		t.Errorf("policy step %v", s)
	}
	deny := b.Steps[n-1].([]any)[1].(builtins.Record)["rules"].([]any)[0].(builtins.Record)["syscalls"]
	if !reflect.DeepEqual(deny, []any{"@mount", "ptrace"}) {
		t.Errorf("denied %v", deny)
	}
}

// TestParseUnprivilegedUserns: a caller other than root always gets a
// user namespace, as with an unprivileged bwrap; root only when asked.
func TestParseUnprivilegedUserns(t *testing.T) {
	b, err := Parse([]string{"--ro-bind", "/", "/", "true"}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(b.Clone, "clone_newuser") {
		t.Errorf("uid 1000: clone %v, want clone_newuser", b.Clone)
	}
	if b, _ = Parse([]string{"--ro-bind", "/", "/", "true"}, rootOpts); slices.Contains(b.Clone, "clone_newuser") {
		t.Errorf("root: clone %v, want no clone_newuser", b.Clone)
	}
}

// TestParseTTY: a terminal is opened before the mounts and becomes the
// program's stdio last but for the filters.
func TestParseTTY(t *testing.T) {
	o := rootOpts
	o.TTY = "/dev/pts/3"
	b, err := Parse([]string{"--unshare-pid", "true"}, o)
	if err != nil {
		t.Fatal(err)
	}
	names := stepNames(b.Steps)
	want := []string{"child", "tty_open", "newroot", "pivot", "enter", "chdir_first", "stdio", "no_new_privs"}
	if !slices.Equal(names, want) {
		t.Errorf("steps %v, want %v", names, want)
	}
}
