package engine

// Tests of seccomp by name (builtins/calls_seccomp.go), each checked from
// inside a program the filtered node execs.

import (
	"context"
	"github.com/alsh/alsh/engine/internal/testutil"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// dockerCaps is Docker's default capability set, as constants.
func dockerCaps() []any {
	var l []any
	for _, c := range []string{"cap_chown", "cap_dac_override", "cap_fsetid", "cap_fowner", "cap_mknod",
		"cap_net_raw", "cap_setgid", "cap_setuid", "cap_setfcap", "cap_setpcap", "cap_net_bind_service",
		"cap_sys_chroot", "cap_kill", "cap_audit_write"} {
		l = append(l, builtins.Const(c))
	}
	return l
}

// privateMounts makes the node's mount namespace (a clone_newns of the
// test's) propagate nothing back to the host: a mount that succeeds there
// stays there.
func privateMounts(t *testing.T, e *Engine, ctx context.Context) []int {
	t.Helper()
	pid := call(t, e, ctx, nil, "clone", []any{builtins.Const("clone_newns")}).(int64)
	c := []int{int(pid)}
	call(t, e, ctx, c, "mount", "none", "/", "", []any{builtins.Const("ms_rec"), builtins.Const("ms_private")}, "")
	return c
}

// Under Docker's default profile, with Docker's capabilities, a shell,
// ls and cat work while unshare -r and mount fail with eperm; the same
// node without the filter unshares.
func TestSeccompDockerDefaultProfile(t *testing.T) {
	testutil.RequirePrivileged(t)
	bb := busybox(t)
	e, ctx := start(t)
	script := `ls / >/dev/null && echo ls ok; cat /proc/self/status | grep '^Seccomp:';
		` + bb + ` unshare -r true; echo unshare $?; ` + bb + ` mount -t tmpfs none ` + t.TempDir() + `; echo mount $?`
	filtered := privateMounts(t, e, ctx)
	call(t, e, ctx, filtered, "capbset_keep", dockerCaps())
	call(t, e, ctx, filtered, "no_new_privs")
	res := call(t, e, ctx, filtered, "seccomp_load", builtins.Const("docker_default")).(builtins.Record)
	if n := res["instructions"].(int64); n < 100 {
		t.Fatalf("seccomp_load docker_default: %s", builtins.Format(res))
	}
	r := runIn(t, e, ctx, filtered, bb, "sh", "-c", script)
	want := "ls ok\nSeccomp:\t2\nunshare 1\nmount 1\n"
	if r.stdout != want || strings.Count(r.stderr, "Operation not permitted") != 1 ||
		!strings.Contains(r.stderr, "mount: permission denied") {
		t.Fatalf("under docker_default: stdout %q (want %q), stderr %q", r.stdout, want, r.stderr)
	}
	control := privateMounts(t, e, ctx)
	call(t, e, ctx, control, "capbset_keep", dockerCaps())
	if r := runIn(t, e, ctx, control, bb, "unshare", "-r", "true"); r.event != "{exit_status: 0}" {
		t.Fatalf("unshare -r without the filter: %s, stderr %q", r.event, r.stderr)
	}
}

// A policy by group: @mount fails with eperm for a program that keeps
// every capability (root), and the same mount works without the filter.
func TestSeccompGroupDeniesMount(t *testing.T) {
	testutil.RequirePrivileged(t)
	bb := busybox(t)
	e, ctx := start(t)
	dir := t.TempDir()
	policy := builtins.Record{"default": builtins.Const("allow"), "rules": []any{
		builtins.Record{"syscalls": []any{"@mount"}, "action": builtins.Record{"errno": builtins.Const("eperm")}}}}
	c := privateMounts(t, e, ctx)
	call(t, e, ctx, c, "seccomp_load", policy)
	r := runIn(t, e, ctx, c, bb, "mount", "-t", "tmpfs", "none", dir)
	if r.event == "{exit_status: 0}" || !strings.Contains(r.stderr, "permission denied") {
		t.Fatalf("mount under @mount errno eperm: %s, stderr %q", r.event, r.stderr)
	}
	control := privateMounts(t, e, ctx)
	if r := runIn(t, e, ctx, control, bb, "mount", "-t", "tmpfs", "none", dir); r.event != "{exit_status: 0}" {
		t.Fatalf("mount without the filter: %s, stderr %q", r.event, r.stderr)
	}
}

// An argument condition: socket(af_inet, …) fails with eacces, while an
// af_unix socket is made (nc -lU listens, and is killed by the test).
func TestSeccompArgumentCondition(t *testing.T) {
	testutil.RequirePrivileged(t)
	bb := busybox(t)
	e, ctx := start(t)
	policy := builtins.Record{"default": builtins.Const("allow"), "rules": []any{
		builtins.Record{"syscall": "socket", "arg0": builtins.Const("af_inet"),
			"action": builtins.Record{"errno": builtins.Const("eacces")}}}}
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "seccomp_load", policy)
	r := runIn(t, e, ctx, c, bb, "sh", "-c", bb+" wget -q -O- http://127.0.0.1:9/ ; echo wget $?")
	if !strings.Contains(r.stderr, "Permission denied") || r.stdout != "wget 1\n" {
		t.Fatalf("wget under socket(af_inet) errno eacces: stdout %q, stderr %q", r.stdout, r.stderr)
	}
	control := fork(t, e, ctx, nil)
	if r := runIn(t, e, ctx, control, bb, "wget", "-q", "-O-", "http://127.0.0.1:9/"); !strings.Contains(r.stderr, "refused") {
		t.Fatalf("wget without the filter: %s, stderr %q", r.event, r.stderr)
	}
}

// The compiled program is visible, one instruction a line; compile gives
// the instructions the raw seccomp call takes, and they filter the same.
func TestSeccompDisasmAndCompile(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	policy := builtins.Record{"default": builtins.Const("allow"), "rules": []any{
		builtins.Record{"syscall": builtins.Const("getcwd"), "action": builtins.Record{"errno": builtins.Const("eacces")}}}}
	text := call(t, e, ctx, nil, "seccomp_disasm", policy).(string)
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 9 || !strings.HasPrefix(lines[0], "   0: ld [4]") || !strings.Contains(lines[6], "; getcwd") ||
		!strings.Contains(lines[7], "errno eacces") {
		t.Fatalf("seccomp_disasm:\n%s", text)
	}
	prog := call(t, e, ctx, nil, "seccomp_compile", policy).([]any)
	if raw := call(t, e, ctx, nil, "seccomp_disasm", prog).(string); len(strings.Split(raw, "\n")) != 10 {
		t.Fatalf("disassembly of the raw program:\n%s", raw)
	}
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "seccomp", builtins.Const("seccomp_set_mode_filter"), int64(0), prog)
	if _, err := e.Call(ctx, c, "getcwd", nil); !strings.Contains(errString(err), "permission denied") {
		t.Fatalf("getcwd under the compiled program: %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Bad policies are errors that say what is wrong.
func TestSeccompPolicyErrors(t *testing.T) {
	e, ctx := start(t)
	rule := func(r builtins.Record) builtins.Record {
		return builtins.Record{"default": builtins.Const("allow"), "rules": []any{r}}
	}
	eperm := builtins.Record{"errno": builtins.Const("eperm")}
	cases := []struct {
		policy any
		want   string
	}{
		{rule(builtins.Record{"syscall": "mont", "action": eperm}), "unknown syscall mont (did you mean mount"},
		{rule(builtins.Record{"syscalls": []any{"@mnt"}, "action": eperm}), "did you mean @mount"},
		{rule(builtins.Record{"syscall": "mount", "action": builtins.Const("trap")}), "SIGSYS"},
		{rule(builtins.Record{"syscall": "mount", "action": builtins.Record{"errno": builtins.Const("eprem")}}), "did you mean eperm"},
		{rule(builtins.Record{"syscall": "mount"}), "missing field action"},
		{rule(builtins.Record{"syscall": "mount", "arg7": 1, "action": eperm}), "unknown field arg7"},
		{rule(builtins.Record{"syscall": "mount", "arg0": builtins.Record{"gte": 1}, "action": eperm}), "unknown operator gte"},
		{builtins.Record{"rules": []any{}}, "missing field default"},
		{"{\"defaultAction\": \"SCMP_ACT_TRACE\"}", "refused"},
	}
	for _, c := range cases {
		_, err := e.Call(ctx, nil, "seccomp_disasm", []any{c.policy})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", builtins.Format(c.policy), err, c.want)
		}
	}
}

// Without no_new_privs or cap_sys_admin, the kernel refuses a filter with
// eacces; the error says what is missing.
func TestSeccompLoadNeedsNoNewPrivs(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "setgid", int64(65534))
	call(t, e, ctx, c, "setuid", int64(65534))
	policy := builtins.Record{"default": builtins.Const("allow")}
	_, err := e.Call(ctx, c, "seccomp_load", []any{policy})
	if !isErrno(err, syscall.EACCES) || !strings.Contains(err.Error(), "no_new_privs") {
		t.Fatalf("seccomp_load as nobody without no_new_privs: %v", err)
	}
	call(t, e, ctx, c, "no_new_privs")
	call(t, e, ctx, c, "seccomp_load", policy)
}

// A profile given as OCI/Docker JSON is installed as it says: mkdir and
// mkdirat fail with its errnoRet (eacces) for the exec'd program, other
// syscalls run.
func TestSeccompJSONProfile(t *testing.T) {
	bb := busybox(t)
	e, ctx := start(t)
	dir := t.TempDir()
	profile := `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}`
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "no_new_privs")
	call(t, e, ctx, c, "seccomp_load", profile)
	r := runIn(t, e, ctx, c, bb, "sh", "-c", bb+" mkdir "+dir+"/d; echo mkdir $?; "+bb+" touch "+dir+"/f && echo touch ok")
	if r.stdout != "mkdir 1\ntouch ok\n" || !strings.Contains(r.stderr, "Permission denied") {
		t.Fatalf("under the profile: stdout %q, stderr %q", r.stdout, r.stderr)
	}
}

// Docker's default profile answers clone3 with enosys when cap_sys_admin
// is gone, so that libc falls back to clone: a node under it still forks
// (a proto-node, then a program) and spawns (with a caught signal, whose
// handler the spawned child resets itself, as clone3's
// CLONE_CLEAR_SIGHAND would); the copy clone makes keeps the signals its
// parent ignores, which its programs inherit, as one made by clone3 does.
func TestForkUnderDockerDefaultProfile(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	call(t, e, ctx, c, "capbset_drop", []any{builtins.Const("cap_sys_admin")})
	call(t, e, ctx, c, "sigaction", builtins.Const("sigusr1"), builtins.Const("sig_info"))
	call(t, e, ctx, c, "sigaction", builtins.Const("sigusr2"), builtins.Const("sig_ign"))
	call(t, e, ctx, c, "seccomp_load", builtins.Const("docker_default"))
	g := fork(t, e, ctx, c)
	r := runIn(t, e, ctx, g, "cat", "/proc/self/status")
	if r.event != "{exit_status: 0}" || statusValue(r.stdout, "Seccomp") != "2" {
		t.Fatalf("a forked child under docker_default: %s, status %q, stderr %q", r.event, r.stdout, r.stderr)
	}
	ign, err := strconv.ParseUint(statusValue(r.stdout, "SigIgn"), 16, 64)
	if err != nil || ign&(1<<(unix.SIGUSR2-1)) == 0 {
		t.Fatalf("a program forked under docker_default: SigIgn %q (%v), want sigusr2 ignored", statusValue(r.stdout, "SigIgn"), err)
	}
	pid := call(t, e, ctx, c, "spawn", "cat", []any{"cat", "/proc/self/status"}).(int64)
	p := append(append([]int(nil), c...), int(pid))
	if ev := builtins.Format(event(t, e, ctx, p)); ev != "{exit_status: 0}" {
		t.Fatalf("a spawned program under docker_default: %s", ev)
	}
	out := call(t, e, ctx, p, "stdout", int64(0)).(string)
	if statusValue(out, "Seccomp") != "2" {
		t.Fatalf("a spawned program under docker_default saw %q", out)
	}
}
