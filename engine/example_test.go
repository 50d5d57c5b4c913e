package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine"
)

// The package's overview program: a child in new namespaces, with a file
// limit and an unprivileged user, runs a shell whose output is streamed
// and whose end is waited for (as root).
func Example() {
	ctx := context.Background()
	e, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()

	c, err := e.Root().Clone(ctx, engine.CloneNewPID|engine.CloneNewNS|engine.CloneNewNet)
	if err != nil {
		log.Fatal(err)
	}
	for _, err := range []error{
		c.Setrlimit(ctx, unix.RLIMIT_NOFILE, engine.Rlimit{Cur: 64, Max: 64}),
		c.Setgroups(ctx, []int{}),
		c.Setgid(ctx, 65534),
		c.Setuid(ctx, 65534),
	} {
		if err != nil {
			log.Fatal(err)
		}
	}
	if err := c.Execvp(ctx, "sh", []string{"sh", "-c", "echo pid $$ uid $(id -u)"}); err != nil {
		log.Fatal(err)
	}
	c.Stdin().Close()
	io.Copy(os.Stdout, c.Stdout())
	st, err := c.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st)
	// Output:
	// pid 1 uid 65534
	// exit status 0
}

// Each call is a method of the process's handle, with typed results.
func ExampleProcess_Fork() {
	ctx := context.Background()
	e, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	c, err := e.Root().Fork(ctx)
	if err != nil {
		log.Fatal(err)
	}
	pid, _ := c.Getpid(ctx)
	ppid, _ := c.Getppid(ctx)
	fmt.Println(pid == c.Pid(), ppid == e.Root().HostPid())
	lim, _ := c.Getrlimit(ctx, unix.RLIMIT_NOFILE)
	fmt.Println(lim.Cur <= lim.Max)
	// Output:
	// true true
	// true
}

// A program's stdin and stdout, as with os/exec: cat gives back what it
// is given, and ends when its input does.
func ExampleProcess_Stdin() {
	ctx := context.Background()
	e, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	cat, err := e.Root().Fork(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if err := cat.Execvp(ctx, "cat", []string{"cat"}); err != nil {
		log.Fatal(err)
	}
	go func() {
		io.Copy(cat.Stdin(), strings.NewReader("through cat\n"))
		cat.Stdin().Close()
	}()
	io.Copy(os.Stdout, cat.Stdout())
	st, _ := cat.Wait(ctx)
	fmt.Println(st.Success())
	// Output:
	// through cat
	// true
}

// Wait says how a program ended: its exit code, or the signal that ended
// it; Events delivers the same exit, last.
func ExampleProcess_Wait() {
	ctx := context.Background()
	e, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	c, _ := e.Root().Fork(ctx)
	c.Execvp(ctx, "sh", []string{"sh", "-c", "exit 3"})
	st, _ := c.Wait(ctx)
	fmt.Println(st.ExitCode(), st.Signaled())

	s, _ := e.Root().Fork(ctx)
	s.Execvp(ctx, "sleep", []string{"sleep", "60"})
	s.Signal(ctx, unix.SIGKILL)
	for ev := range s.Events() {
		if ev.Exit != nil {
			fmt.Println(ev.Exit, ev.Exit.ExitCode())
		}
	}
	// Output:
	// 3 false
	// signal: killed -1
}

// A user namespace of the child's own: root inside, an unprivileged uid
// outside.
func ExampleProcess_Clone() {
	ctx := context.Background()
	e, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	c, err := e.Root().Clone(ctx, engine.CloneNewUser|engine.CloneNewUTS, engine.IDMaps{
		UID: []engine.IDMap{{Inside: 0, Outside: 100000, Count: 65536}},
		GID: []engine.IDMap{{Inside: 0, Outside: 100000, Count: 65536}},
	})
	if err != nil {
		log.Fatal(err)
	}
	c.Sethostname(ctx, "inside")
	uid, _ := c.Getuid(ctx)
	name, _ := c.Gethostname(ctx)
	fmt.Println(uid, name)
	// Output:
	// 0 inside
}

// A failed call is a *CallError naming the call and its path, and keeps
// the kernel's errno.
func ExampleCallError() {
	ctx := context.Background()
	e, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	c, _ := e.Root().Fork(ctx)
	c.Setuid(ctx, 65534)
	err = c.Chroot(ctx, "/tmp")
	var ce *engine.CallError
	if errors.As(err, &ce) {
		fmt.Println(ce.Call, ce.Path, errors.Is(err, unix.EPERM))
	}
	// Output:
	// chroot /tmp true
}

// A batch sends a process's set-up calls at once and waits once for all
// the replies; the first call that fails ends it (a call may go on past
// the errnos it tolerates), and none after it is made.
func ExampleProcess_Batch() {
	ctx := context.Background()
	e, err := engine.Start(ctx, engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()

	c, err := e.Root().Clone(ctx, engine.CloneNewNS|engine.CloneNewUTS)
	if err != nil {
		log.Fatal(err)
	}
	results, err := c.Batch(ctx,
		builtins.BatchCall{Name: "mount", Args: []any{"", "/", "", []any{builtins.Const("ms_rec"), builtins.Const("ms_private")}}},
		builtins.BatchCall{Name: "mount", Args: []any{"tmpfs", "/mnt", "tmpfs", int64(0)}},
		builtins.BatchCall{Name: "mkdir", Args: []any{"/mnt/a", int64(0o755)}},
		builtins.BatchCall{Name: "mkdir", Args: []any{"/mnt/a", int64(0o755)}, Tolerate: []syscall.Errno{unix.EEXIST}},
		builtins.BatchCall{Name: "chdir", Args: []any{"/mnt/a"}},
		builtins.BatchCall{Name: "sethostname", Args: []any{"box"}},
		builtins.BatchCall{Name: "gethostname"},
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(results[3], results[6])

	_, err = c.Batch(ctx,
		builtins.BatchCall{Name: "chdir", Args: []any{"/mnt/missing"}},
		builtins.BatchCall{Name: "sethostname", Args: []any{"never"}},
	)
	var be *builtins.BatchError
	fmt.Println(errors.As(err, &be), be.Index, errors.Is(err, unix.ENOENT))
	name, _ := c.Gethostname(ctx)
	fmt.Println(name)
	// Output:
	// file exists box
	// true 0 true
	// box
}
