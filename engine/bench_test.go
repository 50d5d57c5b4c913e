package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// The benchmarks behind the engine's speed figures (docs/engine.md).
// `make bench` runs them and prints them beside their targets;
// the µs/op column is the round trip, MB/s the stream throughput.
// Variants named pinned run the driver, the nodes and the echo peer on one
// CPU, which removes this VM's cross-CPU wake-up cost (40–55 µs).

func BenchmarkRoundTrip(b *testing.B) {
	for _, pinned := range []bool{false, true} {
		name := map[bool]string{false: "spread", true: "pinned"}[pinned]
		b.Run("raw-socketpair/"+name, func(b *testing.B) { withPinning(b, pinned, benchRawRoundTrip) })
		for _, depth := range []int{0, 1, 4, 15} {
			b.Run(fmt.Sprintf("call-depth-%d/%s", depth, name), func(b *testing.B) {
				withPinning(b, pinned, func(b *testing.B) { benchCall(b, depth) })
			})
		}
	}
}

func benchCall(b *testing.B, depth int) {
	e, ctx := start(b)
	pl := chain(b, e, ctx, depth)
	bootNode(b, e, ctx, pl) // a booted node, not a proto-node
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Call(ctx, pl, "getpid", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRawRoundTrip ping-pongs one byte over a socketpair with a helper
// process, both ends blocking on raw syscalls from a locked thread.
func benchRawRoundTrip(b *testing.B) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	peer := os.NewFile(uintptr(fds[1]), "peer")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperEcho$")
	cmd.Env = append(os.Environ(), "ALSH_BENCH_ECHO=1")
	cmd.ExtraFiles = []*os.File{peer}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	peer.Close()
	defer cmd.Wait()
	defer unix.Close(fds[0])
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := []byte{1}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		unix.Write(fds[0], buf)
		unix.Read(fds[0], buf)
	}
}

// TestHelperEcho is the raw round trip's peer, not a test.
func TestHelperEcho(t *testing.T) {
	if os.Getenv("ALSH_BENCH_ECHO") != "1" {
		t.Skip("helper process for BenchmarkRoundTrip")
	}
	runtime.LockOSThread()
	buf := make([]byte, 16)
	for {
		n, err := unix.Read(3, buf)
		if err != nil || n == 0 {
			os.Exit(0)
		}
		unix.Write(3, buf[:n])
	}
}

// withPinning runs f pinned to one CPU (pinOneCPU), or as it is.
func withPinning(b *testing.B, pinned bool, f func(*testing.B)) {
	if pinned {
		defer pinOneCPU(b)()
	}
	f(b)
}

// BenchmarkFork: fork to ready. With prefork, "busy" forks back to back
// (each waits for the spare the previous one started), "idle" leaves the
// node time to boot its spare between forks, as at a REPL.
func BenchmarkFork(b *testing.B) {
	b.Run("prefork=0", func(b *testing.B) { benchFork(b, 0, 0) })
	b.Run("prefork=1/busy", func(b *testing.B) { benchFork(b, 1, 0) })
	b.Run("prefork=1/idle", func(b *testing.B) { benchFork(b, 1, 5*time.Millisecond) })
}

func benchFork(b *testing.B, prefork int64, pause time.Duration) {
	e, ctx := start(b)
	call(b, e, ctx, nil, "setopt", builtins.Const("prefork"), prefork)
	for i := 0; i < b.N; i++ {
		c := fork(b, e, ctx, nil)
		b.StopTimer()
		endChild(b, e, ctx, c)
		time.Sleep(pause)
		b.StartTimer()
	}
}

func BenchmarkCloneNamespaces(b *testing.B) {
	b.Run("prefork=0", func(b *testing.B) { benchClone(b, 0, 0) })
	b.Run("prefork=1/busy", func(b *testing.B) { benchClone(b, 1, 0) })
	b.Run("prefork=1/idle", func(b *testing.B) { benchClone(b, 1, 5*time.Millisecond) })
}

func benchClone(b *testing.B, prefork int64, pause time.Duration) {
	testutil.RequirePrivileged(b)
	e, ctx := start(b)
	call(b, e, ctx, nil, "setopt", builtins.Const("prefork"), prefork)
	flags := []any{builtins.Const("clone_newpid"), builtins.Const("clone_newns"),
		builtins.Const("clone_newuts"), builtins.Const("clone_newipc"), builtins.Const("clone_newnet")}
	for i := 0; i < b.N; i++ {
		pid := call(b, e, ctx, nil, "clone", flags).(int64)
		b.StopTimer()
		endChild(b, e, ctx, []int{int(pid)})
		time.Sleep(pause)
		b.StartTimer()
	}
}

func endChild(b *testing.B, e *Engine, ctx context.Context, c []int) {
	call(b, e, ctx, c, "exit", int64(0))
	event(b, e, ctx, c)
}

func BenchmarkForkExecExit(b *testing.B) {
	for _, prefork := range []int64{0, 1} {
		b.Run(fmt.Sprintf("prefork=%d", prefork), func(b *testing.B) { benchForkExecExit(b, prefork) })
	}
}

func benchForkExecExit(b *testing.B, prefork int64) {
	e, ctx := start(b)
	call(b, e, ctx, nil, "setopt", builtins.Const("prefork"), prefork)
	for i := 0; i < b.N; i++ {
		c := fork(b, e, ctx, nil)
		call(b, e, ctx, c, "execvp", "/bin/true", []any{"true"})
		if ev := event(b, e, ctx, c); builtins.Format(ev) != "{exit_status: 0}" {
			b.Fatalf("event %s", builtins.Format(ev))
		}
	}
}

// BenchmarkSandboxCycle: fork, setrlimit, chroot, setgid, setuid, execvp
// (a static busybox true), exit event.
func BenchmarkSandboxCycle(b *testing.B) {
	for _, prefork := range []int64{0, 1} {
		b.Run(fmt.Sprintf("prefork=%d", prefork), func(b *testing.B) { benchSandboxCycle(b, prefork) })
	}
}

func benchSandboxCycle(b *testing.B, prefork int64) {
	testutil.RequirePrivileged(b)
	jail := busyboxJail(b)
	e, ctx := start(b)
	call(b, e, ctx, nil, "setopt", builtins.Const("prefork"), prefork)
	lim := builtins.Record{"cur": int64(64), "max": int64(64)}
	for i := 0; i < b.N; i++ {
		c := fork(b, e, ctx, nil)
		call(b, e, ctx, c, "setrlimit", builtins.Const("rlimit_nofile"), lim)
		call(b, e, ctx, c, "chroot", jail)
		call(b, e, ctx, c, "setgid", int64(65534))
		call(b, e, ctx, c, "setuid", int64(65534))
		call(b, e, ctx, c, "execvp", "/busybox", []any{"true"})
		if ev := event(b, e, ctx, c); builtins.Format(ev) != "{exit_status: 0}" {
			b.Fatalf("event %s", builtins.Format(ev))
		}
	}
}

// BenchmarkSpawn: a program started in one step (no node in between), to
// its exit event: /bin/true, and the sandbox cycle's steps as spawn opts.
func BenchmarkSpawn(b *testing.B) {
	b.Run("true", func(b *testing.B) { benchSpawn(b, "/bin/true", nil) })
	b.Run("sandbox", func(b *testing.B) {
		testutil.RequirePrivileged(b)
		lim := builtins.Record{"cur": int64(64), "max": int64(64)}
		benchSpawn(b, "/busybox", builtins.Record{"chroot": busyboxJail(b), "gid": int64(65534), "uid": int64(65534),
			"rlimits": builtins.Record{"nofile": lim}})
	})
}

func benchSpawn(b *testing.B, file string, opts builtins.Record) {
	e, ctx := start(b)
	args := []any{file, []any{"true"}}
	if opts != nil {
		args = append(args, opts)
	}
	for i := 0; i < b.N; i++ {
		pid, err := e.Call(ctx, nil, "spawn", args)
		if err != nil {
			b.Fatal(err)
		}
		if ev := event(b, e, ctx, []int{int(pid.(int64))}); builtins.Format(ev) != "{exit_status: 0}" {
			b.Fatalf("event %s", builtins.Format(ev))
		}
	}
}

// BenchmarkStream pushes bytes through cat and checks every one came back.
func BenchmarkStream(b *testing.B) {
	for _, depth := range []int{1, 16} {
		b.Run(fmt.Sprintf("cat-depth-%d/stdout-call", depth), func(b *testing.B) { benchStream(b, depth, false) })
		b.Run(fmt.Sprintf("cat-depth-%d/watch", depth), func(b *testing.B) { benchStream(b, depth, true) })
	}
}

// benchStream sends 1 MiB chunks of a 16-byte pattern through cat, keeping
// up to 8 MiB in flight, and takes the output back either with stdout
// calls or as Watch delivers it; every chunk must continue the pattern.
func benchStream(b *testing.B, depth int, watch bool) {
	e, ctx := start(b)
	pl := chain(b, e, ctx, depth)
	call(b, e, ctx, pl, "execvp", "/bin/cat", []any{"cat"})
	const pattern = "0123456789abcdef"
	chunk := strings.Repeat(pattern, 1<<16) // 1 MiB
	var next func() string
	if watch {
		ch := make(chan string, 1024)
		e.Watch(func(m builtins.Message) {
			if m.Kind == "stdout" {
				ch <- m.Data.(string)
			}
		})
		defer e.Watch(nil)
		next = func() string { return <-ch }
	} else {
		next = func() string { return call(b, e, ctx, pl, "stdout", int64(5000)).(string) }
	}
	b.SetBytes(int64(len(chunk)))
	b.ResetTimer()
	got := 0
	for i := 0; i < b.N; i++ {
		call(b, e, ctx, pl, "stdin", chunk)
		for got < (i+1)*len(chunk)-8*len(chunk) || (i == b.N-1 && got < b.N*len(chunk)) {
			out := next()
			if out == "" || out[0] != pattern[got%16] || out[len(out)-1] != pattern[(got+len(out)-1)%16] {
				b.Fatalf("stream stalled or out of order at byte %d", got)
			}
			got += len(out)
		}
	}
	if got != b.N*len(chunk) {
		b.Fatalf("got %d bytes, sent %d", got, b.N*len(chunk))
	}
}

// BenchmarkIdleNode reports the memory of idle nodes (from smaps_rollup):
// Pss (shared pages split among the nodes that map them) and private, the
// mean of pssNodes booted nodes.
func BenchmarkIdleNode(b *testing.B) {
	e, ctx := start(b)
	call(b, e, ctx, nil, "setopt", builtins.Const("maxchild"), int64(2*pssNodes))
	var pids []int
	for i := 0; i < pssNodes; i++ {
		c := fork(b, e, ctx, nil)
		bootNode(b, e, ctx, c) // a booted node (a proto-node shares its parent's memory)
		pids = append(pids, leaf(c))
	}
	b.ResetTimer()
	var pss, private int
	for i := 0; i < b.N; i++ {
		pss, private = 0, 0
		for _, pid := range pids {
			p, q := smapsRollup(b, pid)
			pss, private = pss+p, private+q
		}
	}
	b.ReportMetric(float64(pss)/pssNodes, "Pss-KiB/node")
	b.ReportMetric(float64(private)/pssNodes, "private-KiB/node")
}

func smapsRollup(b *testing.B, pid int) (pss, private int) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "Pss:":
			pss = v
		case "Private_Clean:", "Private_Dirty:":
			private += v
		}
	}
	return pss, private
}
