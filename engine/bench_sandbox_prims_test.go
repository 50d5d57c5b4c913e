package engine

// The cost of the sandbox primitives of builtins/calls_capabilities.go,
// calls_landlock.go and calls_seccomp.go in a fork-to-exit cycle. (The
// cycle the target names also moves the child to a cgroup; those
// calls come from another branch.)

import (
	"fmt"
	"github.com/alsh/alsh/engine/internal/testutil"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
)

// fortyRules is a policy of 40 rules, each on one syscall that /bin/true
// does not make.
func fortyRules() builtins.Record {
	names := []string{"mount", "umount2", "pivot_root", "chroot", "swapon", "swapoff", "reboot", "kexec_load",
		"init_module", "finit_module", "delete_module", "iopl", "ioperm", "acct", "settimeofday", "clock_settime",
		"adjtimex", "sethostname", "setdomainname", "bpf", "perf_event_open", "ptrace", "process_vm_readv",
		"process_vm_writev", "keyctl", "add_key", "request_key", "unshare", "setns", "quotactl", "lookup_dcookie",
		"userfaultfd", "open_by_handle_at", "name_to_handle_at", "fanotify_init", "kexec_file_load", "vhangup",
		"personality", "syslog", "nfsservctl"}
	rules := make([]any, len(names))
	for i, n := range names {
		rules[i] = builtins.Record{"syscall": n, "action": builtins.Record{"errno": builtins.Const("eperm")}}
	}
	return builtins.Record{"default": builtins.Const("allow"), "rules": rules}
}

// BenchmarkSandboxPrimitives: fork, capbset_drop, landlock (which sets
// no_new_privs) and a 40-rule seccomp filter, execvp /bin/true, exit
// event; and the same cycle without the primitives, measured in the same
// run. Each primitive's time is reported too (capbset_drop's includes
// the proto-node's boot into a full node, as it is the first call a
// proto-node does not serve).
func BenchmarkSandboxPrimitives(b *testing.B) {
	testutil.RequirePrivileged(b)
	for _, prims := range []bool{false, true} {
		b.Run(fmt.Sprintf("primitives=%v", prims), func(b *testing.B) { benchSandboxPrimitives(b, prims) })
	}
}

func benchSandboxPrimitives(b *testing.B, prims bool) {
	e, ctx := start(b)
	policy := fortyRules()
	steps := []struct {
		name string
		args []any
	}{
		{"capbset_drop", []any{[]any{builtins.Const("cap_sys_admin"), builtins.Const("cap_net_raw")}}},
		{"landlock", []any{builtins.Record{"ro": []any{"/"}, "exec": []any{"/usr"}}}},
		{"seccomp_load", []any{policy}},
	}
	spent := make([]time.Duration, len(steps))
	for i := 0; i < b.N; i++ {
		c := fork(b, e, ctx, nil)
		for j, s := range steps {
			if !prims {
				break
			}
			t0 := time.Now()
			call(b, e, ctx, c, s.name, s.args...)
			spent[j] += time.Since(t0)
		}
		call(b, e, ctx, c, "execvp", "/bin/true", []any{"true"})
		if ev := event(b, e, ctx, c); builtins.Format(ev) != "{exit_status: 0}" {
			b.Fatalf("event %s", builtins.Format(ev))
		}
	}
	for j, s := range steps {
		if prims {
			b.ReportMetric(float64(spent[j].Nanoseconds())/float64(b.N), s.name+"-ns/op")
		}
	}
}
