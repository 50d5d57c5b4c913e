package lang_test

import (
	"context"
	"testing"

	"github.com/alsh/alsh/lang"
	"github.com/alsh/alsh/lang/langtest"
)

// BenchmarkSandboxApplyInterpreted is the interpreter's share of alsh
// box's sandbox.apply: the steps of `alsh box --ro-bind / / --unshare-all
// --proc /proc --dev /dev --tmpfs /tmp` on the fake host, whose calls
// cost next to nothing (go test ./lang -run '^$' -bench SandboxApply).
func BenchmarkSandboxApplyInterpreted(b *testing.B) {
	prog, err := lang.Parse("bench", `use sandbox
sandbox.apply [] {steps: [["newroot"] ["loopback"] ["ro_bind" "/" "/"] ["proc" "/proc"] ["dev" "/dev"] ["tmpfs" "/tmp" 493 0] ["pivot"] ["chdir_first" ["/root" "/root"]] ["fork"] ["cap_bounding" []] ["no_new_privs"]]}
`)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		in := lang.New(langtest.New(), lang.Options{})
		if err := in.Run(context.Background(), prog); err != nil {
			b.Fatal(err)
		}
	}
}
