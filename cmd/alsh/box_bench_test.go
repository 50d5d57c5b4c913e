package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/alsh/alsh/box"
	"github.com/alsh/alsh/engine"
	"github.com/alsh/alsh/lang"
)

// benchBoxArgs is the benchmark's sandbox, as bwrap options.
var benchBoxArgs = []string{"--ro-bind", "/", "/", "--unshare-all", "--proc", "/proc",
	"--dev", "/dev", "--tmpfs", "/tmp", "--", "/bin/true"}

// BenchmarkBoxApply: the sandbox of `alsh box --ro-bind / / --unshare-all
// --proc /proc --dev /dev --tmpfs /tmp -- /bin/true` planned and built
// with sandbox.apply_planned on a running engine (sandbox.apply, as the
// REPL or a script runs it, is the two),
// then /bin/true run in it to its exit event. The engine's start, which
// alsh box pays once per command, is outside the loop.
func BenchmarkBoxApply(b *testing.B) {
	requirePrivileged(b)
	ctx := context.Background()
	eng, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	bx, err := box.Parse(benchBoxArgs, box.Options{UID: os.Getuid(), GID: os.Getgid(), Cwd: "/", Home: "/"})
	if err != nil {
		b.Fatal(err)
	}
	in := lang.New(eng, lang.Options{})
	prog, err := lang.Parse("bench", `execvp $box "/bin/true" ["true"]
expect (wait exit $box 5000) == {exit_status: 0}
kill [] $box.0 sigkill
wait exit [$box.0] 5000
`)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		planned, err := planBox(ctx, in, bx.Spec())
		if err != nil {
			b.Fatal(err)
		}
		if err := buildBox(ctx, in, bx.Spec(), planned); err != nil {
			b.Fatal(err)
		}
		if err := in.Run(ctx, prog); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBoxVsBwrap runs `alsh box` and `bwrap` on the same command
// line, alternately, and reports each one's mean time and their ratio
// (alsh/bwrap): whatever else loads the machine weighs on both alike.
// It runs bin/alsh when make build made it (rebuild it first: a stale one
// is measured as it is), else alsh on PATH.
func BenchmarkBoxVsBwrap(b *testing.B) {
	alternateWithBwrap(b, append([]string{"box"}, benchBoxArgs...), benchBoxArgs)
}

// BenchmarkBoxNoNetVsBwrap is BenchmarkBoxVsBwrap without a network
// namespace, whose loopback's socket boots the sandbox's pid 1: here no
// Go runtime starts beside the driver's.
func BenchmarkBoxNoNetVsBwrap(b *testing.B) {
	args := []string{"--ro-bind", "/", "/", "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
		"--unshare-cgroup", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--", "/bin/true"}
	alternateWithBwrap(b, append([]string{"box"}, args...), args)
}

// BenchmarkStartVsBwrap: alsh's own start-up, `alsh -c 'getpid []'` (a
// driver, a root node, one call, the engine closed), against `bwrap
// --ro-bind / / /bin/true`, alternately, as BenchmarkBoxVsBwrap.
func BenchmarkStartVsBwrap(b *testing.B) {
	alternateWithBwrap(b, []string{"-c", "getpid []"}, []string{"--ro-bind", "/", "/", "/bin/true"})
}

// alshBinary is bin/alsh when make build made it (a stale one is
// measured as it is), else alsh from $PATH.
func alshBinary(b *testing.B) string {
	alsh := "../../bin/alsh"
	if _, err := os.Stat(alsh); err != nil {
		if alsh, err = exec.LookPath("alsh"); err != nil {
			b.Fatal(err)
		}
	}
	return alsh
}

// alternateWithBwrap runs alsh and bwrap with their arguments in turn and
// reports each one's mean time and their ratio (alsh/bwrap): whatever
// else loads the machine weighs on both alike. It runs bin/alsh when make
// build made it, else alsh from $PATH.
func alternateWithBwrap(b *testing.B, alshArgs, bwrapArgs []string) {
	requirePrivileged(b)
	bwrap, err := exec.LookPath("bwrap")
	if err != nil {
		b.Skip("needs bwrap")
	}
	alsh := alshBinary(b)
	var tAlsh, tBwrap time.Duration
	for b.Loop() {
		tAlsh += timeRun(b, alsh, alshArgs)
		tBwrap += timeRun(b, bwrap, bwrapArgs)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tAlsh.Microseconds())/n/1000, "alsh-ms/op")
	b.ReportMetric(float64(tBwrap.Microseconds())/n/1000, "bwrap-ms/op")
	b.ReportMetric(float64(tAlsh)/float64(tBwrap), "alsh/bwrap")
}

func timeRun(b *testing.B, prog string, args []string) time.Duration {
	start := time.Now()
	if out, err := exec.Command(prog, args...).CombinedOutput(); err != nil {
		b.Fatalf("%s %v: %v\n%s", prog, args, err, out)
	}
	return time.Since(start)
}
