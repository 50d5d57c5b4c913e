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
	if s := steps(t, "--unshare-pid", "true"); !hasStep(s, "child") || !hasStep(s, "enter") {
		t.Errorf("--unshare-pid: no child and enter steps in %v", s)
	}
	if s := steps(t, "--unshare-pid", "--as-pid-1", "true"); hasStep(s, "child") {
		t.Errorf("--as-pid-1: a child step in %v", s)
	}
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
	} {
		_, err := Parse(tc.args, testOpts)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrUsage) {
			t.Errorf("Parse(%q) = %v, want a usage error holding %q", tc.args, err, tc.want)
		}
	}
}

// TestParseCapsAreSteps: --cap-add and --cap-drop become steps, which
// sandbox.apply refuses as not yet available (never ignored).
func TestParseCapsAreSteps(t *testing.T) {
	s := steps(t, "--cap-drop", "ALL", "--cap-add", "CAP_NET_ADMIN", "true")
	if !hasStep(s, "cap_drop") || !hasStep(s, "cap_add") {
		t.Errorf("steps %v: want cap_drop and cap_add", s)
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
	names := make([]string, len(b.Steps))
	for i, s := range b.Steps {
		names[i] = s.([]any)[0].(string)
	}
	want := []string{"child", "tty_open", "newroot", "pivot", "enter", "chdir_first", "stdio", "no_new_privs"}
	if !slices.Equal(names, want) {
		t.Errorf("steps %v, want %v", names, want)
	}
}
