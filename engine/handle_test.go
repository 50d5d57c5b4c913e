package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// A program's stdin and stdout through handles: every byte in order, more
// than the pipes and the sink hold at once, so back-pressure must work
// both ways; then its exit status.
func TestHandleStreamsThroughCat(t *testing.T) {
	e, ctx := start(t)
	c, err := e.Root().Fork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Execvp(ctx, "cat", []string{"cat"}); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 24<<20)
	for i := range data {
		data[i] = byte(i * 7 / 3)
	}
	go func() {
		c.Stdin().Write(data)
		c.Stdin().Close()
	}()
	var got bytes.Buffer
	if _, err := io.Copy(&got, c.Stdout()); err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got.Bytes()) != sha256.Sum256(data) {
		t.Fatalf("got %d bytes, not the %d sent", got.Len(), len(data))
	}
	st, err := c.Wait(ctx)
	if err != nil || !st.Success() || st.ExitCode() != 0 {
		t.Fatalf("Wait: %v, %v", st, err)
	}
}

// The program's stderr, its exit code, and a death by a signal.
func TestHandleWaitExitCodeAndSignal(t *testing.T) {
	e, ctx := start(t)
	c, err := e.Root().Fork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Execvp(ctx, "sh", []string{"sh", "-c", "echo out; echo err >&2; exit 3"}); err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(c.Stdout())
	errOut, _ := io.ReadAll(c.Stderr())
	st, err := c.Wait(ctx)
	if err != nil || st.ExitCode() != 3 || st.Signaled() || string(out) != "out\n" || string(errOut) != "err\n" {
		t.Fatalf("Wait %v %v, stdout %q, stderr %q", st, err, out, errOut)
	}
	k, _ := e.Root().Fork(ctx)
	if err := k.Execvp(ctx, "sleep", []string{"sleep", "100"}); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := k.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait past its deadline: %v", err)
	}
	if err := k.Signal(ctx, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	st, err = k.Wait(ctx)
	if err != nil || !st.Signaled() || st.Signal() != unix.SIGKILL || st.ExitCode() != -1 || st.String() != "signal: killed" {
		t.Fatalf("Wait after SIGKILL: %v %v", st, err)
	}
	var last Event
	for ev := range k.Events() {
		last = ev
	}
	if last.Exit == nil || last.Exit.Signal() != unix.SIGKILL {
		t.Fatalf("last event %+v", last)
	}
}

// Typed calls: a struct in and out, ints for ids, and a failure that is
// both the kernel's errno and a *CallError naming call, pipeline and path.
func TestHandleTypedCallsAndErrors(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	c, err := e.Root().Fork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Setrlimit(ctx, unix.RLIMIT_NOFILE, Rlimit{Cur: 64, Max: 128}); err != nil {
		t.Fatal(err)
	}
	lim, err := c.Getrlimit(ctx, unix.RLIMIT_NOFILE)
	if err != nil || lim != (Rlimit{Cur: 64, Max: 128}) {
		t.Fatalf("Getrlimit = %+v, %v", lim, err)
	}
	if pid, err := c.Getpid(ctx); err != nil || pid != c.Pid() {
		t.Fatalf("Getpid = %d, %v; handle's pid %d", pid, err, c.Pid())
	}
	if err := c.Setresuid(ctx, 65534, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	ids, err := c.Getresuid(ctx)
	if err != nil || ids != (ResIDs{65534, 65534, 65534}) {
		t.Fatalf("Getresuid = %+v, %v", ids, err)
	}
	err = c.Chroot(ctx, "/tmp")
	var ce *CallError
	if !errors.Is(err, unix.EPERM) || !errors.As(err, &ce) || ce.Call != "chroot" || ce.Path != "/tmp" ||
		len(ce.Pipeline) != 1 || ce.Pipeline[0] != c.Pid() || !strings.Contains(err.Error(), `chroot [`) {
		t.Fatalf("chroot as nobody: %v (%#v)", err, ce)
	}
	if _, err := c.Fork(ctx); err != nil {
		t.Fatal(err)
	}
	err = c.Setuid(ctx, 0)
	if !errors.Is(err, unix.EPERM) {
		t.Fatalf("setuid 0 as nobody: %v", err)
	}
	if err := e.Root().Setrlimit(ctx, Resource(12345), Rlimit{}); !errors.Is(err, builtins.ErrBadArg) && !errors.Is(err, unix.EINVAL) {
		t.Fatalf("an unknown resource: %v", err)
	}
}

// A sandbox through handles: clone into new namespaces with a user
// namespace's maps, seen from inside the exec'd program.
func TestHandleCloneSandbox(t *testing.T) {
	testutil.RequirePrivileged(t)
	e, ctx := start(t)
	c, err := e.Root().Clone(ctx, CloneNewUser|CloneNewPID|CloneNewUTS,
		IDMaps{UID: []IDMap{{0, 100000, 1}}, GID: []IDMap{{0, 100000, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Sethostname(ctx, "handled"); err != nil {
		t.Fatal(err)
	}
	if err := c.Execvp(ctx, "sh", []string{"sh", "-c", "echo $$ $(hostname) $(cat /proc/self/uid_map)"}); err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(c.Stdout())
	if f := strings.Fields(string(out)); len(f) != 5 || f[0] != "1" || f[1] != "handled" || f[3] != "100000" {
		t.Fatalf("inside: %q", out)
	}
	if st, err := c.Wait(ctx); err != nil || !st.Success() {
		t.Fatalf("Wait: %v %v", st, err)
	}
}

// Back-pressure: a program whose output nobody reads waits in write once
// the engine holds a few MiB of it, rather than the engine buffering all
// of it; read, every byte arrives.
func TestHandleStdoutBackPressure(t *testing.T) {
	e, ctx := start(t)
	c, err := e.Root().Fork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const total = 64 << 20
	if err := c.Execvp(ctx, "head", []string{"head", "-c", "67108864", "/dev/zero"}); err != nil {
		t.Fatal(err)
	}
	s := c.sinkOf()
	held := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.out[0].n
	}
	deadline := time.Now().Add(5 * time.Second)
	for held() < sinkHigh && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // time to overrun, if it would
	if n := held(); n < sinkHigh || n > sinkHigh+4<<20 {
		t.Fatalf("the engine holds %d bytes of output nobody read (want about %d)", n, sinkHigh)
	}
	if !testutil.Alive(c.HostPid()) {
		t.Fatal("the program finished: nothing held it back")
	}
	n, err := io.Copy(io.Discard, c.Stdout())
	if err != nil || n != total {
		t.Fatalf("read %d bytes, %v; want %d", n, err, total)
	}
	if st, err := c.Wait(ctx); err != nil || !st.Success() {
		t.Fatalf("Wait: %v %v", st, err)
	}
}

// Spawn with typed options: the steps apply before the exec, as seen
// from inside the program.
func TestHandleSpawnOptions(t *testing.T) {
	testutil.RequirePrivileged(t)
	jail := busyboxJail(t)
	e, ctx := start(t)
	id := 65534
	c, err := e.Root().Spawn(ctx, "/busybox", []string{"sh", "-c", "echo $PWD $(id -u) $(id -g) $X; ulimit -n"}, SpawnOptions{
		Env: []string{"X=spawned"}, Rlimits: map[Resource]Rlimit{unix.RLIMIT_NOFILE: {Cur: 32, Max: 32}},
		Chroot: jail, Chdir: "/", UID: &id, GID: &id,
	})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(c.Stdout())
	if string(out) != "/ 65534 65534 spawned\n32\n" {
		t.Fatalf("inside: %q", out)
	}
	if st, err := c.Wait(ctx); err != nil || !st.Success() {
		t.Fatalf("Wait: %v %v", st, err)
	}
	_, err = e.Root().Spawn(ctx, "/bin/true", []string{"true"}, SpawnOptions{}, SpawnOptions{})
	var ce *CallError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "want 2 to 3 arguments, got 4") {
		t.Fatalf("two options records: %v", err)
	}
}
