package builtins

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// allowAll is a one-instruction filter that allows every call.
var allowAll = []any{Record{"code": int64(unix.BPF_RET | unix.BPF_K), "jt": int64(0), "jf": int64(0), "k": int64(unix.SECCOMP_RET_ALLOW)}}

// With seccomp_filter_flag_tsync, a thread that cannot take the filter
// makes seccomp(2) return that thread's id, not an errno. Here another
// thread of the test process holds a filter of its own (not an ancestor
// of the caller's), so the synchronisation must fail, and both calls
// that can ask for tsync must say so instead of reporting success.
func TestSeccompTsyncFailureIsAnError(t *testing.T) {
	const profile = `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "flags": ["SECCOMP_FILTER_FLAG_TSYNC"]}`
	for _, tc := range []struct {
		name string
		f    Impl
		args Args
	}{
		{"seccomp", sysSeccomp, Args{int64(unix.SECCOMP_SET_MODE_FILTER), int64(unix.SECCOMP_FILTER_FLAG_TSYNC), allowAll}},
		{"seccomp_load", sysSeccompLoad, Args{profile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			defer close(done)
			if err := <-onFilteredThread(done); err != nil {
				t.Fatal(err)
			}
			errc := make(chan error)
			go func() {
				runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
				if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
					errc <- err
					return
				}
				_, err := tc.f(nil, tc.args)
				errc <- err
			}()
			err := <-errc
			if !errors.Is(err, unix.ESRCH) || !strings.Contains(err.Error(), "could not be synchronised") {
				t.Fatalf("%s with tsync beside a thread of another filter: %v, want an error naming the thread", tc.name, err)
			}
		})
	}
}

// onFilteredThread starts a thread that installs an allow-all filter of
// its own and waits for done; the thread ends with it. It sends nil once
// the filter is in.
func onFilteredThread(done <-chan struct{}) <-chan error {
	ready := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			ready <- err
			return
		}
		prog, err := bpfProg(allowAll)
		if err != nil {
			ready <- err
			return
		}
		_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, prog.Word)
		runtime.KeepAlive(prog)
		if e != 0 {
			ready <- e
			return
		}
		ready <- nil
		<-done
	}()
	return ready
}

// The raw seccomp call returns no value, so a listener fd
// (seccomp_filter_flag_new_listener) would be lost in the node: the flag
// is refused, naming it, and no filter is installed.
func TestSeccompNewListenerRefused(t *testing.T) {
	errc := make(chan error)
	mode := make(chan string)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			errc <- err
			return
		}
		_, err := sysSeccomp(nil, Args{int64(unix.SECCOMP_SET_MODE_FILTER), int64(unix.SECCOMP_FILTER_FLAG_NEW_LISTENER), allowAll})
		errc <- err
		b, _ := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/status", unix.Gettid()))
		mode <- string(b)
	}()
	err := <-errc
	var argErr *ArgError
	if !errors.As(err, &argErr) || argErr.N != 2 || !strings.Contains(err.Error(), "seccomp_filter_flag_new_listener") {
		t.Fatalf("seccomp with new_listener: %v, want refused naming the flag", err)
	}
	if status := <-mode; !strings.Contains(status, "\nSeccomp:\t0\n") {
		t.Fatalf("a filter was installed after all:\n%s", status)
	}
}

// A policy planned again comes from the plan cache: the same plan, and a
// result record of its own, which the caller may change.
func TestSeccompProgramCachedPlan(t *testing.T) {
	policy := Record{"default": Const("allow"), "rules": []any{
		Record{"syscall": "mkdir", "action": Record{"errno": Const("eperm")}}}}
	plan1, res1, ok1 := SeccompProgram(policy)
	plan2, res2, ok2 := SeccompProgram(policy)
	if !ok1 || !ok2 || plan1 != plan2 || Format(res1) != Format(res2) {
		t.Fatalf("planned twice: %v %v, results %s and %s", ok1, ok2, Format(res1), Format(res2))
	}
	res1["instructions"] = int64(-1)
	if res2["instructions"] == int64(-1) {
		t.Fatal("the two results share one record")
	}
	other := Record{"default": Const("allow"), "rules": []any{
		Record{"syscall": "rmdir", "action": Record{"errno": Const("eperm")}}}}
	if plan3, _, _ := SeccompProgram(other); plan3 == plan1 {
		t.Fatal("another policy got the cached plan")
	}
}
