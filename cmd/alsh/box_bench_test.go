package main

import (
	"context"
	"os"
	"testing"

	"github.com/alsh/alsh/box"
	"github.com/alsh/alsh/engine"
	"github.com/alsh/alsh/lang"
)

// benchBoxArgs is the benchmark's sandbox, as bwrap options.
var benchBoxArgs = []string{"--ro-bind", "/", "/", "--unshare-all", "--proc", "/proc",
	"--dev", "/dev", "--tmpfs", "/tmp", "--", "/bin/true"}

// BenchmarkBoxApply: the sandbox of `alsh box --ro-bind / / --unshare-all
// --proc /proc --dev /dev --tmpfs /tmp -- /bin/true` built through
// sandbox.apply on a running engine (what the REPL or a script does),
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
	in.SetVar("spec", bx.Spec())
	prog, err := lang.Parse("bench", boxBuild+`execvp $box "/bin/true" ["true"]
expect (wait exit $box 5000) == {exit_status: 0}
`)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := in.Run(ctx, prog); err != nil {
			b.Fatal(err)
		}
	}
}
