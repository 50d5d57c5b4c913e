package engine

import (
	"fmt"
	"github.com/alsh/alsh/engine/internal/testutil"
	"os"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
)

// BenchmarkCgroupAdd: one cgroup_add of a child (a program, sleep),
// moving it back and forth between two cgroups made in every hierarchy
// ("all": nine on this hybrid machine) or only in memory's. The kernel's
// migration, once per hierarchy, is most of it.
func BenchmarkCgroupAdd(b *testing.B) {
	for _, ctrls := range [][]any{nil, {"memory"}} {
		name := "all"
		if ctrls != nil {
			name = "memory"
		}
		b.Run(name, func(b *testing.B) { benchCgroupAdd(b, ctrls) })
	}
}

func benchCgroupAdd(b *testing.B, ctrls []any) {
	testutil.RequirePrivileged(b)
	e, ctx := start(b)
	var names []string
	for i := range 2 {
		n := fmt.Sprintf("alsh-bench-%d-%d", os.Getpid(), i)
		args := []any{n}
		if ctrls != nil {
			args = append(args, ctrls)
		}
		call(b, e, ctx, nil, "cgroup_create", args...)
		b.Cleanup(func() { call(b, e, ctx, nil, "cgroup_delete", n) })
		names = append(names, n)
	}
	c := fork(b, e, ctx, nil)
	pid := int64(leaf(c))
	call(b, e, ctx, c, "execvp", "/bin/sleep", []any{"sleep", "100"})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		call(b, e, ctx, nil, "cgroup_add", names[i%2], pid)
	}
	b.StopTimer()
	call(b, e, ctx, nil, "kill", pid, builtins.Const("sigkill"))
	event(b, e, ctx, c)
}

// BenchmarkSandboxCycleCgroup: the sandbox cycle of BenchmarkSandboxCycle
// (setrlimit, chroot, setgid, setuid, exec, the exit event), alternately
// without and with a move into a memory cgroup first, so that both see
// the same machine: it reports each's mean and their ratio.
func BenchmarkSandboxCycleCgroup(b *testing.B) {
	testutil.RequirePrivileged(b)
	jail := busyboxJail(b)
	e, ctx := start(b)
	name := fmt.Sprintf("alsh-bench-%d-cycle", os.Getpid())
	call(b, e, ctx, nil, "cgroup_create", name, []any{"memory"})
	b.Cleanup(func() { call(b, e, ctx, nil, "cgroup_delete", name) })
	lim := builtins.Record{"cur": int64(64), "max": int64(64)}
	cycle := func(move bool) time.Duration {
		t0 := time.Now()
		c := fork(b, e, ctx, nil)
		if move {
			call(b, e, ctx, nil, "cgroup_add", name, int64(leaf(c)))
		}
		call(b, e, ctx, c, "setrlimit", builtins.Const("rlimit_nofile"), lim)
		call(b, e, ctx, c, "chroot", jail)
		call(b, e, ctx, c, "setgid", int64(65534))
		call(b, e, ctx, c, "setuid", int64(65534))
		call(b, e, ctx, c, "execvp", "/busybox", []any{"true"})
		if ev := event(b, e, ctx, c); builtins.Format(ev) != "{exit_status: 0}" {
			b.Fatalf("event %s", builtins.Format(ev))
		}
		return time.Since(t0)
	}
	var none, move time.Duration
	for i := 0; i < b.N; i++ {
		none += cycle(false)
		move += cycle(true)
	}
	n := float64(b.N)
	b.ReportMetric(float64(none.Microseconds())/n, "µs-none/op")
	b.ReportMetric(float64(move.Microseconds())/n, "µs-move/op")
	b.ReportMetric(float64(move)/float64(none), "move/none")
}
