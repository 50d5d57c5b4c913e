package engine

import (
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// BenchmarkCloneNewuser: clone with clone_newuser to ready, without maps
// and with maps and every namespace (as alsh box's), against a fork in
// the same run. The child is a proto-node like the fork's.
func BenchmarkCloneNewuser(b *testing.B) {
	testutil.RequirePrivileged(b)
	all := []any{builtins.Const("clone_newuser"), builtins.Const("clone_newpid"), builtins.Const("clone_newns"),
		builtins.Const("clone_newnet"), builtins.Const("clone_newuts"), builtins.Const("clone_newipc"), builtins.Const("clone_newcgroup")}
	for _, c := range []struct {
		name string
		args []any
	}{
		{"fork", nil},
		{"newuser", []any{[]any{builtins.Const("clone_newuser")}}},
		{"newuser+all+maps", []any{all, builtins.Record{"uid": "0 0 1", "gid": "0 0 1"}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			e, ctx := start(b)
			name := "clone"
			if c.args == nil {
				name = "fork"
			}
			for i := 0; i < b.N; i++ {
				pid := call(b, e, ctx, nil, name, c.args...).(int64)
				b.StopTimer()
				endChild(b, e, ctx, []int{int(pid)})
				b.StartTimer()
			}
		})
	}
}
