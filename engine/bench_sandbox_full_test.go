package engine

// The whole sandbox cycle beside the command-line sandboxes people run
// for the same thing, measured in one run, alternately, so that the load
// of the machine weighs on all of them alike.

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// fullPeers are the peers' command lines: bubblewrap with every
// namespace and a read-only root, and util-linux's unshare and setpriv
// (new pid, mount, uts, ipc and net namespaces, uid and gid 65534, no
// supplementary groups).
var fullPeers = []struct {
	name string
	argv []string
}{
	{"bwrap", []string{"bwrap", "--unshare-all", "--ro-bind", "/", "/", "/bin/true"}},
	{"unshare", []string{"unshare", "--fork", "--pid", "--mount", "--uts", "--ipc", "--net",
		"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/true"}},
}

// BenchmarkSandboxFull: the sandbox cycle extended with every primitive
// (a new process, moved into a memory cgroup, RLIMIT_NOFILE, two
// capabilities dropped from the bounding set, a Landlock ruleset, uid and
// gid 65534, a 40-rule seccomp filter, execvp /bin/true, the exit event),
// with the process made by fork ("fork") or by clone in new pid, mount,
// uts, ipc and net namespaces, as the peers make it ("clone"), or forked
// by a node already in the cgroup, with no move ("fork-in-cgroup"). Each
// iteration runs the alsh cycle, then each peer's command (started from
// this process with os/exec, as a caller would), and reports every mean,
// the ratios alsh/peer, and the mean of each part of the alsh cycle.
func BenchmarkSandboxFull(b *testing.B) {
	testutil.RequirePrivileged(b)
	for _, p := range fullPeers {
		if _, err := exec.LookPath(p.argv[0]); err != nil {
			b.Fatalf("needs %s (apt-get install bubblewrap util-linux)", p.argv[0])
		}
	}
	for _, v := range []struct {
		name           string
		ns, fromCgroup bool
	}{{"fork", false, false}, {"clone", true, false}, {"fork-in-cgroup", false, true}} {
		b.Run(v.name, func(b *testing.B) { benchSandboxFull(b, v.ns, v.fromCgroup) })
	}
}

// benchSandboxFull runs the cycle with the process made by clone in new
// namespaces (ns) or by fork; fromCgroup forks it from a node moved into
// the cgroup once, so that it starts there and no cycle moves a process
// (the kernel's migration is the cycle's largest part on cgroup v1).
func benchSandboxFull(b *testing.B, ns, fromCgroup bool) {
	e, ctx := start(b)
	cg := fmt.Sprintf("alsh-bench-%d-full", os.Getpid())
	call(b, e, ctx, nil, "cgroup_create", cg, []any{"memory"})
	b.Cleanup(func() { call(b, e, ctx, nil, "cgroup_delete", cg) })
	var parent []int // the node each cycle's process is made by
	if fromCgroup {
		parent = fork(b, e, ctx, nil)
		call(b, e, ctx, nil, "cgroup_add", cg, int64(leaf(parent)))
	}
	policy := fortyRules()
	lim := builtins.Record{"cur": int64(64), "max": int64(64)}
	flags := []any{builtins.Const("clone_newpid"), builtins.Const("clone_newns"),
		builtins.Const("clone_newuts"), builtins.Const("clone_newipc"), builtins.Const("clone_newnet")}
	// spent is each part's time: the new process, each call, and the
	// exec to the exit event.
	parts := []string{"new", "cgroup_add", "setrlimit", "capbset_drop", "landlock", "setgid", "setuid", "seccomp_load", "exec+exit"}
	spent := make([]time.Duration, len(parts))
	cycle := func() time.Duration {
		t0 := time.Now()
		last := t0
		lap := func(i int) {
			now := time.Now()
			spent[i] += now.Sub(last)
			last = now
		}
		var c []int
		if ns {
			c = append(append([]int(nil), parent...), int(call(b, e, ctx, parent, "clone", flags).(int64)))
		} else {
			c = fork(b, e, ctx, parent)
		}
		lap(0)
		if !fromCgroup {
			call(b, e, ctx, nil, "cgroup_add", cg, int64(leaf(c)))
		}
		lap(1)
		call(b, e, ctx, c, "setrlimit", builtins.Const("rlimit_nofile"), lim)
		lap(2)
		call(b, e, ctx, c, "capbset_drop", []any{builtins.Const("cap_sys_admin"), builtins.Const("cap_net_raw")})
		lap(3)
		call(b, e, ctx, c, "landlock", builtins.Record{"ro": []any{"/"}, "exec": []any{"/usr"}})
		lap(4)
		call(b, e, ctx, c, "setgid", int64(65534))
		lap(5)
		call(b, e, ctx, c, "setuid", int64(65534))
		lap(6)
		call(b, e, ctx, c, "seccomp_load", policy)
		lap(7)
		call(b, e, ctx, c, "execvp", "/bin/true", []any{"true"})
		if ev := event(b, e, ctx, c); builtins.Format(ev) != "{exit_status: 0}" {
			b.Fatalf("event %s", builtins.Format(ev))
		}
		lap(8)
		return time.Since(t0)
	}
	var tAlsh time.Duration
	tPeer := make([]time.Duration, len(fullPeers))
	for b.Loop() {
		tAlsh += cycle()
		for i, p := range fullPeers {
			tPeer[i] += runPeer(b, p.argv)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(tAlsh.Microseconds())/n, "µs-alsh/op")
	for i, p := range fullPeers {
		b.ReportMetric(float64(tPeer[i].Microseconds())/n, "µs-"+p.name+"/op")
		b.ReportMetric(float64(tAlsh)/float64(tPeer[i]), "alsh/"+p.name)
	}
	for i, name := range parts {
		b.ReportMetric(float64(spent[i].Microseconds())/n, "µs-"+name+"/op")
	}
}

// runPeer runs a peer's command to its end and returns how long it took.
func runPeer(b *testing.B, argv []string) time.Duration {
	t0 := time.Now()
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		b.Fatalf("%v: %v\n%s", argv, err, out)
	}
	return time.Since(t0)
}
