package proto

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"github.com/alsh/alsh/builtins"
)

// planWords lays a plan out as the runtime-free code reads it.
func planWords(plan []byte) *Words {
	w := &Words{Given: 1}
	if len(plan) > 0 {
		w.W[0], w.N[0] = uintptr(unsafe.Pointer(&plan[0])), len(plan)
	}
	return w
}

// The plans the engine makes are the plans the runtime-free code takes,
// and no cut, padded or altered plan is taken (it would read past its
// end, or make rules the plan does not hold).
func TestPlansFit(t *testing.T) {
	paths := builtins.Record{"ro": []any{"/usr", "/etc/passwd"}, "rw": []any{"/tmp/a b"}, "exec": []any{"/usr/bin/x1234567"},
		"connect_tcp": []any{int64(443)}, "bind_tcp": []any{int64(8080)}}
	ll, _, ok := builtins.LandlockPlan(paths, 7)
	if !ok {
		t.Fatal("LandlockPlan refused its paths")
	}
	policy := builtins.Record{"default": builtins.Const("allow"), "rules": []any{
		builtins.Record{"syscall": "mount", "action": builtins.Record{"errno": builtins.Const("eperm")}}}}
	sc, _, ok := builtins.SeccompProgram(policy)
	if !ok {
		t.Fatal("SeccompProgram refused its policy")
	}
	for _, c := range []struct {
		name string
		plan string
		fits func(*Words) bool
	}{{"landlock", ll, landlockFits}, {"seccomp_load", sc, seccompPlanFits}} {
		b := []byte(c.plan)
		if !c.fits(planWords(b)) {
			t.Errorf("%s: its plan does not fit", c.name)
		}
		for n := 0; n < len(b); n++ { // every cut
			if c.fits(planWords(append([]byte(nil), b[:n]...))) {
				t.Errorf("%s: the plan cut to %d of %d bytes fits", c.name, n, len(b))
			}
		}
		if c.fits(planWords(append(append([]byte(nil), b...), make([]byte, 8)...))) {
			t.Errorf("%s: the plan with 8 more bytes fits", c.name)
		}
		bad := append([]byte(nil), b...)
		bad[1] ^= 1
		if c.fits(planWords(bad)) {
			t.Errorf("%s: a plan with another magic fits", c.name)
		}
	}
	// A path's length that points past the plan.
	b := []byte(ll)
	binary.NativeEndian.PutUint64(b[40+16:], 1<<62)
	if landlockFits(planWords(b)) {
		t.Error("landlock: a path length past the plan fits")
	}
}
