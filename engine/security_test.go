package engine

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// alcove test 25 (alloc): the layout of a cstruct and what comes back.
func TestAllocAlcove25(t *testing.T) {
	e, ctx := start(t)
	cs := []any{strings.Repeat("a", 10), builtins.Record{"ptr": int64(11)}, "bbbbb",
		builtins.Record{"ptr": "1234567"}, "ccc"}
	r := call(t, e, ctx, nil, "alloc", cs).(builtins.Record)
	w := 8
	if n := len(r["raw"].(string)); n != 10+w+5+w+3 {
		t.Fatalf("raw is %d bytes, want %d", n, 10+w+5+w+3)
	}
	want := `["aaaaaaaaaa" {ptr: "\0\0\0\0\0\0\0\0\0\0\0"} "bbbbb" {ptr: "1234567"} "ccc"]`
	if got := builtins.Format(r["cstruct"]); got != want {
		t.Fatalf("cstruct = %s, want %s", got, want)
	}
	if _, err := e.Call(ctx, nil, "alloc", []any{[]any{}}); err == nil {
		t.Fatal("alloc [] succeeded")
	}
	r = call(t, e, ctx, nil, "alloc", []any{builtins.Record{"ptr": int64(0)}}).(builtins.Record)
	if r["raw"] != strings.Repeat("\x00", w) || builtins.Format(r["cstruct"]) != "[{ptr: 0}]" {
		t.Fatalf("alloc [{ptr: 0}] = %s", builtins.Format(r))
	}
}

// alcove test 50 (prctl): names and pdeathsig through buffers, checked
// against /proc.
func TestPrctlAlcove50(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	r := call(t, e, ctx, c, "prctl", builtins.Const("pr_set_name"), "test\x00").(builtins.Record)
	if r["ret"] != int64(0) || builtins.Format(r["args"]) != `["test\0"]` {
		t.Fatalf("pr_set_name = %s", builtins.Format(r))
	}
	if comm, _ := os.ReadFile("/proc/" + strconv.Itoa(leaf(c)) + "/comm"); string(comm) != "test\n" {
		t.Fatalf("/proc comm = %q", comm)
	}
	r = call(t, e, ctx, c, "prctl", builtins.Const("pr_get_name"), builtins.Record{"ptr": int64(17)}).(builtins.Record)
	if got := builtins.Format(r["args"]); got != `[{ptr: "test\0\0\0\0\0\0\0\0\0\0\0\0\0"}]` {
		t.Fatalf("pr_get_name args = %s", got)
	}
	call(t, e, ctx, c, "prctl", builtins.Const("pr_set_pdeathsig"), int64(9))
	r = call(t, e, ctx, c, "prctl", builtins.Const("pr_get_pdeathsig"), "\x00\x00\x00\x00").(builtins.Record)
	if got := r["args"].([]any)[0]; got != "\x09\x00\x00\x00" {
		t.Fatalf("pr_get_pdeathsig = %q", got)
	}
}

func TestPrctlCapbsetRead(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	r := call(t, e, ctx, nil, "prctl", builtins.Const("pr_capbset_read"), int64(0), int64(0), int64(0), int64(0)).(builtins.Record)
	if r["ret"] != int64(1) || builtins.Format(r["args"]) != "[0 0 0 0]" {
		t.Fatalf("pr_capbset_read = %s", builtins.Format(r))
	}
}

// seccompProg is alcove's test filter, reduced: check the arch, then
// apply action to getcwd and allow everything else.
func seccompProg(t *testing.T, action any) []any {
	arch := map[string]string{"amd64": "audit_arch_x86_64", "arm64": "audit_arch_aarch64"}[runtime.GOARCH]
	if arch == "" {
		t.Skip("no audit arch known for " + runtime.GOARCH)
	}
	ins := func(code, jt, jf int64, k any) builtins.Record {
		return builtins.Record{"code": code, "jt": jt, "jf": jf, "k": k}
	}
	const ldAbs, jeq, ret = 0x20, 0x15, 0x06
	return []any{
		ins(ldAbs, 0, 0, int64(4)),
		ins(jeq, 1, 0, builtins.Const(arch)),
		ins(ret, 0, 0, builtins.Const("seccomp_ret_kill_process")),
		ins(ldAbs, 0, 0, int64(0)),
		ins(jeq, 0, 1, builtins.Const("sys_getcwd")),
		ins(ret, 0, 0, action),
		ins(ret, 0, 0, builtins.Const("seccomp_ret_allow")),
	}
}

// installSeccomp installs prog in c through the seccomp call or through
// prctl pr_set_seccomp with a sock_fprog built as a cstruct.
func installSeccomp(t *testing.T, e *Engine, c []int, prog []any, viaPrctl bool) {
	ctx := t.Context()
	call(t, e, ctx, c, "prctl", builtins.Const("pr_set_no_new_privs"), int64(1))
	if !viaPrctl {
		call(t, e, ctx, c, "seccomp", builtins.Const("seccomp_set_mode_filter"), int64(0), prog)
		return
	}
	raw := bpfRaw(t, e, prog)
	fprog := []any{builtins.Record{"u16": int64(len(prog))}, builtins.Record{"u16": int64(0)},
		builtins.Record{"u32": int64(0)}, builtins.Record{"ptr": raw}}
	call(t, e, ctx, c, "prctl", builtins.Const("pr_set_seccomp"), builtins.Const("seccomp_mode_filter"), fprog)
}

// bpfRaw encodes instructions as sock_filter bytes, through alloc.
func bpfRaw(t *testing.T, e *Engine, prog []any) string {
	var cs []any
	for _, i := range prog {
		r := i.(builtins.Record)
		k, ok := r["k"].(int64)
		if !ok {
			v, _, err := builtins.LookupAny([]string{"prctl", "syscall"}, string(r["k"].(builtins.Const)))
			if err != nil {
				t.Fatal(err)
			}
			k = v
		}
		cs = append(cs, builtins.Record{"u16": r["code"]}, builtins.Record{"u8": r["jt"]},
			builtins.Record{"u8": r["jf"]}, builtins.Record{"u32": k})
	}
	return call(t, e, t.Context(), nil, "alloc", cs).(builtins.Record)["raw"].(string)
}

// alcove tests 63-64 (kill_prctl, kill_seccomp). alsh uses
// SECCOMP_RET_KILL_PROCESS: RET_KILL ends only the thread, and a Go node
// has several.
func TestSeccompKillAlcove63and64(t *testing.T) {
	for _, viaPrctl := range []bool{true, false} {
		e, ctx := start(t)
		c := fork(t, e, ctx, nil)
		installSeccomp(t, e, c, seccompProg(t, builtins.Const("seccomp_ret_kill_process")), viaPrctl)
		call(t, e, ctx, c, "getpid")
		if _, err := e.Call(ctx, c, "getcwd", nil); err == nil {
			t.Fatal("getcwd under RET_KILL succeeded")
		}
		if ev := builtins.Format(event(t, e, ctx, c)); ev != `{termsig: "sigsys"}` {
			t.Fatalf("event = %s", ev)
		}
		if _, err := e.Call(ctx, nil, "kill", []any{int64(leaf(c)), int64(0)}); !errors.Is(err, unix.ESRCH) {
			t.Fatalf("kill 0: %v, want esrch", err)
		}
	}
}

// alcove tests 65-66 (allow_prctl, allow_seccomp).
func TestSeccompAllowAlcove65and66(t *testing.T) {
	for _, viaPrctl := range []bool{true, false} {
		e, ctx := start(t)
		c := fork(t, e, ctx, nil)
		installSeccomp(t, e, c, seccompProg(t, builtins.Const("seccomp_ret_allow")), viaPrctl)
		call(t, e, ctx, c, "getpid")
		call(t, e, ctx, c, "getcwd")
		call(t, e, ctx, c, "getpid")
	}
}

// alcove tests 67-68 (trap_prctl, trap_seccomp), adapted: Go's runtime
// treats a seccomp SIGSYS as fatal, so RET_TRAP would end the node;
// RET_ERRNO is the Go-friendly action: getcwd fails with the errno and the
// process lives on.
func TestSeccompErrnoAlcove67and68(t *testing.T) {
	for _, viaPrctl := range []bool{true, false} {
		e, ctx := start(t)
		c := fork(t, e, ctx, nil)
		action := int64(0x50000 | int64(unix.EACCES)) // seccomp_ret_errno | eacces
		installSeccomp(t, e, c, seccompProg(t, action), viaPrctl)
		if _, err := e.Call(ctx, c, "getcwd", nil); !errors.Is(err, unix.EACCES) {
			t.Fatalf("getcwd: %v, want eacces", err)
		}
		call(t, e, ctx, c, "getpid")
	}
}

// alcove test 34 (connect): a child connects an af_unix socket to a
// listener another child runs; the bytes arrive as the listener's stdout.
func TestConnectAlcove34(t *testing.T) {
	e, ctx := start(t)
	path := filepath.Join(t.TempDir(), "sock")
	ln, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	unix.Listen(ln, 1)
	c := fork(t, e, ctx, nil)
	fd := call(t, e, ctx, c, "socket", builtins.Const("af_unix"), builtins.Const("sock_stream"), int64(0)).(int64)
	call(t, e, ctx, c, "connect", fd, builtins.Record{"family": builtins.Const("af_unix"), "path": path})
	conn, _, err := unix.Accept(ln)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(conn)
	if n := call(t, e, ctx, c, "write", fd, "hello world"); n != int64(11) {
		t.Fatalf("write = %v", n)
	}
	buf := make([]byte, 64)
	n, _ := unix.Read(conn, buf)
	if string(buf[:n]) != "hello world" {
		t.Fatalf("listener read %q", buf[:n])
	}
	_, err = e.Call(ctx, c, "connect", []any{fd, builtins.Record{"family": builtins.Const("af_unix"), "path": path + ".none"}})
	if err == nil {
		t.Fatal("second connect succeeded")
	}
}

func TestConnectInet(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	fd := call(t, e, ctx, c, "socket", builtins.Const("af_inet"), builtins.Const("sock_stream"), int64(0)).(int64)
	_, err := e.Call(ctx, c, "connect", []any{fd, builtins.Record{"family": builtins.Const("af_inet"), "addr": "127.0.0.1", "port": int64(1)}})
	if !errors.Is(err, unix.ECONNREFUSED) {
		t.Fatalf("connect to 127.0.0.1:1: %v, want econnrefused", err)
	}
}

// alcove test 35 (ioctl): in a new network namespace, TUNSETIFF makes a
// tap device and writes its name back into the ifreq.
func TestIoctlTunsetiffAlcove35(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	c := call(t, e, ctx, nil, "clone", []any{builtins.Const("clone_newnet")}).(int64)
	pl := []int{int(c)}
	fd, err := e.Call(ctx, pl, "open", []any{"/dev/net/tun", builtins.Const("o_rdwr"), int64(0)})
	if err != nil {
		t.Skipf("no /dev/net/tun: %v", err)
	}
	ifreq := []any{"tap0" + strings.Repeat("\x00", 12), builtins.Record{"u16": int64(unix.IFF_TAP | unix.IFF_NO_PI)},
		strings.Repeat("\x00", 22)}
	r := call(t, e, ctx, pl, "ioctl", fd, builtins.Const("tunsetiff"), ifreq).(builtins.Record)
	arg := r["arg"].([]any)
	if r["ret"] != int64(0) || !strings.HasPrefix(arg[0].(string), "tap0\x00") {
		t.Fatalf("tunsetiff = %s", builtins.Format(r))
	}
}

func TestIoctlFionread(t *testing.T) {
	e, ctx := start(t)
	c := fork(t, e, ctx, nil)
	r := call(t, e, ctx, c, "ioctl", int64(0), builtins.Const("fionread"), builtins.Record{"u32": int64(7)}).(builtins.Record)
	if builtins.Format(r) != "{arg: {u32: 0}, ret: 0}" {
		t.Fatalf("fionread = %s", builtins.Format(r))
	}
}

// The typed API (zcalls.go) reaches the same calls.
func TestTypedAPI(t *testing.T) {
	e, ctx := start(t)
	pid, err := e.Getpid(ctx, nil)
	if err != nil || int(pid) != e.root.pid {
		t.Fatalf("Getpid = %d, %v", pid, err)
	}
	r, err := e.Prctl(ctx, nil, builtins.Const("pr_get_name"), builtins.Record{"ptr": int64(16)})
	if err != nil || r["ret"] != int64(0) {
		t.Fatalf("Prctl = %v, %v", r, err)
	}
	if l, err := e.Cpid(ctx, nil); err != nil || len(l) != 0 {
		t.Fatalf("Cpid = %v, %v", l, err)
	}
}
