package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// The benchmarks of the runtime-free calls, the boot, many nodes and many
// callers. Comparisons with another program alternate with alsh in the
// same iteration, so that the machine's load weighs on both alike; each
// reports both means and their ratio.

// BenchmarkRealisticCycle: clone pid+mnt+uts+ipc, mount / ms_rec
// ms_private, tmpfs on /tmp, sethostname, setresgid, setresuid, exec
// /bin/true, exit event; against bwrap doing the same from its command
// line (a whole process each time).
func BenchmarkRealisticCycle(b *testing.B) {
	testutil.RequirePrivileged(b)
	bwrap, err := exec.LookPath("bwrap")
	if err != nil {
		testutil.Missing(b, "needs bwrap, and ALSH_REQUIRE_PRIVILEGED=1", "needs bwrap")
	}
	e, ctx := start(b)
	flags := []any{builtins.Const("clone_newpid"), builtins.Const("clone_newns"), builtins.Const("clone_newuts"), builtins.Const("clone_newipc")}
	private := []any{builtins.Const("ms_rec"), builtins.Const("ms_private")}
	bw := []string{"--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--ro-bind", "/", "/",
		"--tmpfs", "/tmp", "--hostname", "box", "--uid", "65534", "--gid", "65534", "/bin/true"}
	var alsh, other time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		c := []int{int(call(b, e, ctx, nil, "clone", flags).(int64))}
		call(b, e, ctx, c, "mount", "", "/", "", private)
		call(b, e, ctx, c, "mount", "tmpfs", "/tmp", "tmpfs", int64(0))
		call(b, e, ctx, c, "sethostname", "box")
		call(b, e, ctx, c, "setresgid", int64(65534), int64(65534), int64(65534))
		call(b, e, ctx, c, "setresuid", int64(65534), int64(65534), int64(65534))
		call(b, e, ctx, c, "execvp", "/bin/true", []any{"true"})
		if ev := event(b, e, ctx, c); builtins.Format(ev) != "{exit_status: 0}" {
			b.Fatalf("event %s", builtins.Format(ev))
		}
		t1 := time.Now()
		if out, err := exec.Command(bwrap, bw...).CombinedOutput(); err != nil {
			b.Fatalf("bwrap: %v: %s", err, out)
		}
		alsh, other = alsh+t1.Sub(t0), other+time.Since(t1)
	}
	reportPair(b, "alsh", alsh, "bwrap", other)
}

// reportPair reports two alternated means and their ratio.
func reportPair(b *testing.B, a string, da time.Duration, o string, do time.Duration) {
	n := float64(b.N)
	b.ReportMetric(float64(da.Microseconds())/n, a+"-µs")
	b.ReportMetric(float64(do.Microseconds())/n, o+"-µs")
	b.ReportMetric(float64(da)/float64(do), a+"/"+o)
}

// BenchmarkForkExecVsPosixSpawn: fork+execvp /bin/true+exit event, against
// C posix_spawnp+waitpid (tools/benchtable/spawnc), in rounds of 20 each.
func BenchmarkForkExecVsPosixSpawn(b *testing.B) {
	spawn := buildSpawnC(b)
	e, ctx := start(b)
	const round = 20
	var alsh, c time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		for j := 0; j < round; j++ {
			pl := fork(b, e, ctx, nil)
			call(b, e, ctx, pl, "execvp", "/bin/true", []any{"true"})
			if ev := event(b, e, ctx, pl); builtins.Format(ev) != "{exit_status: 0}" {
				b.Fatalf("event %s", builtins.Format(ev))
			}
		}
		alsh += time.Since(t0) / round
		out, err := exec.Command(spawn, strconv.Itoa(round)).Output()
		ns, perr := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil || perr != nil {
			b.Fatalf("spawn: %v %v: %s", err, perr, out)
		}
		c += time.Duration(ns)
	}
	reportPair(b, "alsh", alsh, "posix_spawn", c)
}

func buildSpawnC(b *testing.B) string {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		testutil.Missing(b, "needs gcc for the C baseline, and ALSH_REQUIRE_PRIVILEGED=1", "needs gcc for the C baseline")
	}
	bin := filepath.Join(b.TempDir(), "spawn")
	if out, err := exec.Command(gcc, "-O2", "-o", bin, "../tools/benchtable/spawnc/spawn.c").CombinedOutput(); err != nil {
		b.Fatalf("gcc: %v: %s", err, out)
	}
	return bin
}

// BenchmarkForkBoot: fork and one call that boots the node (bootCall:
// getcwd is a proto-node's call); then, untimed, the Pss of pssNodes
// booted nodes.
func BenchmarkForkBoot(b *testing.B) {
	e, ctx := start(b)
	var kept [][]int
	for i := 0; i < b.N; i++ {
		c := fork(b, e, ctx, nil)
		bootNode(b, e, ctx, c)
		if len(kept) < 8 {
			kept = append(kept, c)
		} else {
			endChild(b, e, ctx, c)
		}
	}
	b.StopTimer()
	b.ReportMetric(bootedPss(b, e, ctx, kept), "Pss-KiB/node")
}

// pssNodes is how many booted nodes the Pss of a node is the mean of: the
// binary's pages they all map are split among them (and the driver), so
// with 8 each carried an eighth of the pages touched (about 0.6 MiB),
// with 128 a few KiB, and the figure is a node's own memory.
const pssNodes = 128

// bootedPss boots children of the root until, with kept, there are
// pssNodes, and returns their mean Pss.
func bootedPss(b *testing.B, e *Engine, ctx context.Context, kept [][]int) float64 {
	call(b, e, ctx, nil, "setopt", builtins.Const("maxchild"), int64(2*pssNodes))
	for len(kept) < pssNodes {
		c := fork(b, e, ctx, nil)
		bootNode(b, e, ctx, c)
		kept = append(kept, c)
	}
	pss := 0
	for _, c := range kept {
		p, _ := smapsRollup(b, leaf(c))
		pss += p
	}
	return float64(pss) / float64(len(kept))
}

// BenchmarkThousandNodes: 1000 children forked, each answering one
// getcwd, all alive at the end; the time of the 1000. getcwd is
// runtime-free: they stay proto-nodes (BenchmarkForkBoot times a boot).
func BenchmarkThousandNodes(b *testing.B) {
	e, ctx := start(b)
	call(b, e, ctx, nil, "setopt", builtins.Const("maxchild"), int64(2000))
	for i := 0; i < b.N; i++ {
		var kids [][]int
		for j := 0; j < 1000; j++ {
			c := fork(b, e, ctx, nil)
			call(b, e, ctx, c, "getcwd")
			kids = append(kids, c)
		}
		b.StopTimer()
		for _, c := range kids {
			endChild(b, e, ctx, c)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/1000-nodes")
}

// BenchmarkManyCallers: getpid calls from n goroutines, each into a node
// of its own (booted), for n of 1, 2, 4, 8 and 32: the total calls/s, and
// the CPU time a call took in the driver and in the nodes (their threads'
// schedstat): with more callers than CPUs, what a call costs decides the
// calls/s more than its latency does.
func BenchmarkManyCallers(b *testing.B) {
	for _, n := range []int{1, 2, 4, 8, 32} {
		b.Run(fmt.Sprintf("callers=%d", n), func(b *testing.B) { benchManyCallers(b, n) })
	}
}

func benchManyCallers(b *testing.B, n int) {
	e, ctx := start(b)
	nodes := make([][]int, n)
	for i := range nodes {
		nodes[i] = fork(b, e, ctx, nil)
		bootNode(b, e, ctx, nodes[i])
	}
	nodePids := make([]int, n)
	for i, pl := range nodes {
		nodePids[i] = e.hostPid(b, pl)
	}
	const calls = 20000
	driver0, nodes0 := threadsCPU(os.Getpid()), threadsCPU(nodePids...)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		manyCallers(b, e, ctx, nodes, calls)
	}
	b.StopTimer()
	made := float64(calls * b.N)
	b.ReportMetric(made/b.Elapsed().Seconds(), "calls/s")
	driver, nodesCPU := threadsCPU(os.Getpid())-driver0, threadsCPU(nodePids...)-nodes0
	if driver > 0 && nodesCPU > 0 { // else no schedstat here
		b.ReportMetric(driver.Seconds()*1e6/made, "driver-cpu-µs/call")
		b.ReportMetric(nodesCPU.Seconds()*1e6/made, "nodes-cpu-µs/call")
	}
}

// threadsCPU is the time the threads of pids ran, from their
// /proc/PID/task/TID/schedstat (0 where there is none).
func threadsCPU(pids ...int) time.Duration {
	var sum time.Duration
	for _, pid := range pids {
		stats, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
		for _, path := range stats {
			text, _ := os.ReadFile(path)
			if f := strings.Fields(string(text)); len(f) > 0 {
				ns, _ := strconv.ParseInt(f[0], 10, 64)
				sum += time.Duration(ns)
			}
		}
	}
	return sum
}

func manyCallers(b *testing.B, e *Engine, ctx context.Context, nodes [][]int, calls int) {
	var wg sync.WaitGroup
	for g, pl := range nodes {
		share := calls / len(nodes)
		if g < calls%len(nodes) {
			share++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < share; k++ {
				if _, err := e.Call(ctx, pl, "getpid", nil); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
