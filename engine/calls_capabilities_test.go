package engine

// Tests of the capability calls (builtins/calls_capabilities.go). Each
// checks the effect from inside a program the node execs: its
// /proc/self/status, and a step that needs the capability.

import (
	"context"
	"fmt"
	"github.com/alsh/alsh/engine/internal/testutil"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/alsh/alsh/builtins"
)

// ran is what a program printed and how it ended.
type ran struct {
	event          string
	stdout, stderr string
}

// runIn execs argv in the node pl and waits for its exit.
func runIn(t *testing.T, e *Engine, ctx context.Context, pl []int, argv ...string) ran {
	t.Helper()
	args := make([]any, len(argv))
	for i, a := range argv {
		args[i] = a
	}
	call(t, e, ctx, pl, "execvp", argv[0], args)
	ev := builtins.Format(event(t, e, ctx, pl))
	return ran{event: ev, stdout: call(t, e, ctx, pl, "stdout", int64(0)).(string),
		stderr: call(t, e, ctx, pl, "stderr", int64(0)).(string)}
}

// busybox is the path of a static busybox, or the test skips (fails in CI).
func busybox(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/bin/busybox"); err != nil {
		if os.Getenv("ALSH_REQUIRE_PRIVILEGED") == "1" {
			t.Fatal("no /bin/busybox: install busybox-static")
		}
		t.Skip("no /bin/busybox (apt-get install busybox-static)")
	}
	return "/bin/busybox"
}

// statusValue reads a field of a /proc/PID/status text (statusMask,
// in control_test.go, reads one as a mask).
func statusValue(status, key string) string {
	for _, line := range strings.Split(status, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

const (
	capChown          = 0
	capNetBindService = 10
	capSysAdmin       = 21
)

// A cap dropped from the bounding set is gone from the program's bounding
// and effective sets, and chown, which needs cap_chown, fails with eperm;
// a sibling without the drop chowns the same file.
func TestCapbsetDropSeenByProgram(t *testing.T) {
	testutil.RequirePrivileged(t)
	bb := busybox(t)
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "capbset_drop", []any{builtins.Const("cap_chown"), builtins.Const("cap_sys_admin")})
	if got := builtins.Format(call(t, e, ctx, c, "capbset")); strings.Contains(got, "cap_chown") ||
		strings.Contains(got, "cap_sys_admin") || !strings.Contains(got, "cap_kill") {
		t.Fatalf("capbset after the drop = %s", got)
	}
	r := runIn(t, e, ctx, c, bb, "sh", "-c", "cat /proc/self/status; "+bb+" chown 1 "+file)
	for _, key := range []string{"CapBnd", "CapEff", "CapPrm"} {
		if m := statusMask(t, r.stdout, key); m&(1<<capChown|1<<capSysAdmin) != 0 || m&(1<<capNetBindService) == 0 {
			t.Errorf("%s = %#x: want cap_chown and cap_sys_admin out, cap_net_bind_service in", key, m)
		}
	}
	if !strings.Contains(r.stderr, "Operation not permitted") || r.event == "{exit_status: 0}" {
		t.Fatalf("chown without cap_chown: %s, stderr %q", r.event, r.stderr)
	}
	control := fork(t, e, ctx, nil)
	if r := runIn(t, e, ctx, control, bb, "chown", "1", file); r.event != "{exit_status: 0}" {
		t.Fatalf("chown with every capability: %s, stderr %q", r.event, r.stderr)
	}
}

// capbset_keep leaves only the capabilities named.
func TestCapbsetKeep(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "capbset_keep", []any{builtins.Const("cap_chown"), builtins.Const("cap_kill")})
	if got := builtins.Format(call(t, e, ctx, c, "capbset")); got != "[cap_chown cap_kill]" {
		t.Fatalf("capbset = %s", got)
	}
	r := runIn(t, e, ctx, c, "/bin/cat", "/proc/self/status")
	if m := statusMask(t, r.stdout, "CapEff"); m != 1<<capChown|1<<5 {
		t.Fatalf("the program's CapEff = %#x, want cap_chown and cap_kill", m)
	}
}

// Capabilities carried to a program that runs as an ordinary user: keep
// them across setuid (secbit_keep_caps), make them inheritable, raise them
// as ambient. The program then holds cap_chown as uid 65534 and gives a
// root-owned file to itself.
func TestAmbientCarriesCapsToNonRoot(t *testing.T) {
	testutil.RequirePrivileged(t)
	bb := busybox(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755) // the test's own temporary directory
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o644)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "securebits_set", []any{builtins.Const("secbit_keep_caps")})
	if got := builtins.Format(call(t, e, ctx, c, "securebits")); got != "[secbit_keep_caps]" {
		t.Fatalf("securebits = %s", got)
	}
	call(t, e, ctx, c, "setgid", int64(65534))
	call(t, e, ctx, c, "setuid", int64(65534))
	two := []any{builtins.Const("cap_chown"), builtins.Const("cap_net_bind_service")}
	call(t, e, ctx, c, "capset", builtins.Record{"effective": two, "permitted": two, "inheritable": two})
	want := "{effective: [cap_chown cap_net_bind_service], inheritable: [cap_chown cap_net_bind_service], permitted: [cap_chown cap_net_bind_service]}"
	if got := builtins.Format(call(t, e, ctx, c, "capget")); got != want {
		t.Fatalf("capget = %s", got)
	}
	call(t, e, ctx, c, "ambient_raise", two)
	if got := builtins.Format(call(t, e, ctx, c, "ambient")); got != "[cap_chown cap_net_bind_service]" {
		t.Fatalf("ambient = %s", got)
	}
	r := runIn(t, e, ctx, c, bb, "sh", "-c", "cat /proc/self/status; "+bb+" chown 65534 "+file)
	const two64 = 1<<capChown | 1<<capNetBindService
	if statusValue(r.stdout, "Uid") != "65534\t65534\t65534\t65534" || statusMask(t, r.stdout, "CapAmb") != two64 ||
		statusMask(t, r.stdout, "CapEff") != two64 {
		t.Fatalf("program's status:\n%s", r.stdout)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(file, &st); err != nil || st.Uid != 65534 || r.event != "{exit_status: 0}" {
		t.Fatalf("chown by uid 65534 with ambient cap_chown: %s, stderr %q, owner %d (%v)", r.event, r.stderr, st.Uid, err)
	}
}

// ambient_lower and ambient_clear take ambient capabilities away again.
func TestAmbientLowerAndClear(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	two := []any{builtins.Const("cap_chown"), builtins.Const("cap_kill")}
	call(t, e, ctx, c, "capset", builtins.Record{"inheritable": two})
	call(t, e, ctx, c, "ambient_raise", two)
	call(t, e, ctx, c, "ambient_lower", []any{builtins.Const("cap_kill")})
	if got := builtins.Format(call(t, e, ctx, c, "ambient")); got != "[cap_chown]" {
		t.Fatalf("ambient after lowering cap_kill = %s", got)
	}
	call(t, e, ctx, c, "ambient_clear")
	r := runIn(t, e, ctx, c, "/bin/cat", "/proc/self/status")
	if m := statusMask(t, r.stdout, "CapAmb"); m != 0 {
		t.Fatalf("CapAmb after ambient_clear = %#x", m)
	}
}

// A failed raise says what it raised before failing (cap_kill is not
// inheritable here, so the kernel refuses it with eperm).
func TestAmbientRaisePartial(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "capset", builtins.Record{"inheritable": []any{builtins.Const("cap_chown")}})
	_, err := e.Call(ctx, c, "ambient_raise", []any{[]any{builtins.Const("cap_chown"), builtins.Const("cap_kill")}})
	if !isErrno(err, syscall.EPERM) || !strings.Contains(err.Error(), "cap_kill") ||
		!strings.Contains(err.Error(), "applied before it: cap_chown") {
		t.Fatalf("ambient_raise with cap_kill not inheritable: %v", err)
	}
}

// With secbit_noroot, root is not special at exec: a program run as root
// gets no capabilities, and sethostname (in a uts namespace of the test's
// own) fails with eperm.
func TestSecbitNoroot(t *testing.T) {
	testutil.RequirePrivileged(t)
	bb := busybox(t)
	e, ctx := start(t)
	pid := call(t, e, ctx, nil, "clone", []any{builtins.Const("clone_newuts")}).(int64)
	c := []int{int(pid)}
	call(t, e, ctx, c, "securebits_set", []any{builtins.Const("secbit_noroot")})
	r := runIn(t, e, ctx, c, bb, "sh", "-c", "cat /proc/self/status; "+bb+" hostname alsh-noroot")
	if statusMask(t, r.stdout, "CapEff") != 0 || statusMask(t, r.stdout, "CapPrm") != 0 || statusValue(r.stdout, "Uid") != "0\t0\t0\t0" {
		t.Fatalf("root program under secbit_noroot:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "Operation not permitted") || r.event == "{exit_status: 0}" {
		t.Fatalf("hostname without capabilities: %s, stderr %q", r.event, r.stderr)
	}
}

// no_new_privs reaches the program; cap_last_cap agrees with /proc.
func TestNoNewPrivsAndLastCap(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		t.Fatal(err)
	}
	if got := call(t, e, ctx, c, "cap_last_cap"); fmt.Sprint(got) != strings.TrimSpace(string(b)) {
		t.Fatalf("cap_last_cap = %v, /proc says %s", got, b)
	}
	call(t, e, ctx, c, "no_new_privs")
	if r := runIn(t, e, ctx, c, "/bin/cat", "/proc/self/status"); statusValue(r.stdout, "NoNewPrivs") != "1" {
		t.Fatalf("the program's NoNewPrivs = %q", statusValue(r.stdout, "NoNewPrivs"))
	}
}

// Unknown names are errors that name the word and suggest the nearest.
func TestCapabilityNameErrors(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	_, err := e.Call(ctx, c, "capset", []any{builtins.Record{"effective": []any{builtins.Const("cap_sys_admn")}}})
	if err == nil || !strings.Contains(err.Error(), "cap_sys_admn") || !strings.Contains(err.Error(), "cap_sys_admin") {
		t.Fatalf("capset with cap_sys_admn: %v", err)
	}
	_, err = e.Call(ctx, c, "capbset_drop", []any{builtins.Const("cap_net_rwa")})
	if err == nil || !strings.Contains(err.Error(), "cap_net_raw") {
		t.Fatalf("capbset_drop cap_net_rwa: %v", err)
	}
	_, err = e.Call(ctx, c, "capset", []any{builtins.Record{"efective": []any{}}})
	if err == nil || !strings.Contains(err.Error(), "unknown field efective") {
		t.Fatalf("capset with a misspelt set: %v", err)
	}
}
