package engine

import (
	"fmt"
	"os"
	"testing"

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
	privileged(b)
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
