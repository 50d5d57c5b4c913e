package repl

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang"
)

// fakeHost has a fixed process tree and answers every call with ok.
type fakeHost struct{ procs []builtins.ProcInfo }

func (h *fakeHost) Call(ctx context.Context, pl []int, name string, args []any) (any, error) {
	return nil, nil
}
func (h *fakeHost) Processes() []builtins.ProcInfo  { return h.procs }
func (h *fakeHost) Watch(fn func(builtins.Message)) {}

func newFakeHost() *fakeHost {
	return &fakeHost{procs: []builtins.ProcInfo{
		{Pid: 100}, {Pipeline: []int{200}, Pid: 200}, {Pipeline: []int{200, 300}, Pid: 300},
		{Pipeline: []int{201}, Pid: 201},
	}}
}

// completions runs the completer on line, the cursor at its end, and
// returns the whole words it offers.
func completions(t *testing.T, c *completer, line string) []string {
	t.Helper()
	rs := []rune(line)
	suffixes, n := c.Do(rs, len(rs))
	word := string(rs[len(rs)-n:])
	var out []string
	for _, s := range suffixes {
		out = append(out, word+string(s))
	}
	return out
}

func testCompleter(t *testing.T) *completer {
	h := newFakeHost()
	in := lang.New(h, lang.Options{})
	prog, err := lang.Parse("", `$c = 200; $rec = {pid: 1, ns: {net: 2}}; $name = "x"`)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Run(context.Background(), prog); err != nil {
		t.Fatal(err)
	}
	return &completer{r: &repl{cfg: Config{Host: h}, interp: in}}
}

func TestComplete(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "jail"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "jail.conf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c := testCompleter(t)
	tests := []struct {
		line string
		want []string // exactly these, or
		has  []string // at least these
		not  []string // and none of these
	}{
		{line: "setr", want: []string{"setresgid ", "setresuid ", "setrlimit "}},
		{line: "$c = for", has: []string{"fork "}},
		{line: "if not setu", has: []string{"setuid "}},
		{line: "setrlimit [$c] ", has: []string{"rlimit_nofile ", "rlimit_core "}, not: []string{"clone_newpid "}},
		{line: "setrlimit [$c] rlimit_no", want: []string{"rlimit_nofile "}},
		{line: "pidfd_open [] $c pidfd_n", want: []string{"pidfd_nonblock "}},
		{line: "pidfd_send_signal [] $pfd sigterm pidfd_signal_p", want: []string{"pidfd_signal_process_group "}},
		{line: "capbset_drop [$c] [cap_sys_adm", want: []string{"cap_sys_admin "}},
		{line: "ambient_raise [$c] [cap_net_bi", want: []string{"cap_net_bind_service "}},
		{line: "capset [$c] {effective: [cap_cho", want: []string{"cap_chown "}},
		{line: "securebits_set [$c] [secbit_noro", want: []string{"secbit_noroot ", "secbit_noroot_locked "}},
		{line: "landlock_create_ruleset [$c] [read_f", want: []string{"read_file "}},
		{line: "landlock_create_ruleset [$c] [read_file] [connect", want: []string{"connect_tcp "}},
		{line: "landlock_add_port [$c] $rs 443 [bind", want: []string{"bind_tcp "}},
		{line: "setrlimit [$c] RLIMIT_NO", want: []string{"RLIMIT_NOfile "}},
		{line: "clone [] [clone_newpid clone_newn", want: []string{"clone_newnet ", "clone_newns "}},
		{line: "kill [] 200 sigk", want: []string{"sigkill "}},
		{line: "getpid ", want: []string{"[] ", "[200] ", "[200 300] ", "[201] "}},
		{line: "getpid [", want: []string{"200", "201"}},
		{line: "getpid [200 ", want: []string{"300"}},
		{line: "getpid [$c ", want: []string{"300"}},
		{line: "getpid [$c 3", want: []string{"300"}},
		{line: "getpid [0310 "}, // octal 200, but the language refuses a leading 0
		{line: "print $", has: []string{"$c", "$rec", "$name", "$args"}},
		{line: "print $re", want: []string{"$rec"}},
		{line: "print $rec.", want: []string{"$rec.ns", "$rec.pid"}},
		{line: "print $rec.ns.n", want: []string{"$rec.ns.net"}},
		{line: `chroot [$c] "` + dir + "/ja", want: []string{`"` + dir + `/jail/`, `"` + dir + `/jail.conf" `}},
		{line: `source "` + dir + "/jail.", want: []string{`"` + dir + `/jail.conf" `}},
		{line: `sethostname [$c] "` + dir + "/ja"},
		{line: "expect ep", has: []string{"eperm ", "epipe "}, not: []string{"setuid "}},
		{line: "expect eperm setg", has: []string{"setgid "}},
		{line: "help setr", want: []string{"setresgid ", "setresuid ", "setrlimit "}},
		{line: "wait s", want: []string{"stdout ", "stderr "}},
		{line: "wait stdout ", has: []string{"[200] "}},
		{line: "setrlimit [$c] rlimit_nofile {", want: []string{"cur: ", "max: "}},
		{line: "if true {\n  setu", has: []string{"setuid "}},
		{line: "$f = spl", want: []string{"split "}},
		{line: "print (from_j", want: []string{"from_json "}},
		{line: "$t = tim", want: []string{"time ", "timeout "}},
		{line: "for $k $v in ke", want: []string{"keys "}},
		{line: "clone [] (clone_newpid | clone_newn", want: []string{"clone_newnet ", "clone_newns "}},
		{line: "for $p in [1 2] { kill [] $p sigte", want: []string{"sigterm "}},
		{line: "getpid [$c]"},
		{line: `print "abc"`},
		{line: "getpid []; setg", has: []string{"setgid ", "setgroups "}},
		{line: "# a comment setu"},
	}
	for _, tt := range tests {
		got := completions(t, c, tt.line)
		switch {
		case tt.has == nil && !slices.Equal(got, tt.want):
			t.Errorf("%q: got %q, want %q", tt.line, got, tt.want)
		case tt.has != nil:
			for _, w := range tt.has {
				if !slices.Contains(got, w) {
					t.Errorf("%q: no %q in %q", tt.line, w, truncate(got))
				}
			}
		}
		for _, w := range tt.not {
			if slices.Contains(got, w) {
				t.Errorf("%q: %q offered", tt.line, w)
			}
		}
	}
}

func truncate(s []string) string {
	if len(s) > 12 {
		return strings.Join(s[:12], "|") + "|…"
	}
	return strings.Join(s, "|")
}

// TestCompleteModules: use completes the library's modules, and after
// use, a module's procedures complete as commands and after help.
func TestCompleteModules(t *testing.T) {
	c := testCompleter(t)
	if got := completions(t, c, "use san"); !slices.Equal(got, []string{"sandbox "}) {
		t.Errorf("use san: %v", got)
	}
	prog, err := lang.Parse("", "use sandbox")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.r.interp.Run(context.Background(), prog); err != nil {
		t.Fatal(err)
	}
	if got := completions(t, c, "sandbox.ro_b"); !slices.Equal(got, []string{"sandbox.ro_bind ", "sandbox.ro_bind_try "}) {
		t.Errorf("sandbox.ro_b: %v", got)
	}
	if got := completions(t, c, "help sandbox.pi"); !slices.Equal(got, []string{"sandbox.pivot "}) {
		t.Errorf("help sandbox.pi: %v", got)
	}
}
