package examples_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The examples are built as a user of the module builds them, with a
// plain go build (no linker flag, no build step of alsh's), and run.
// They need root; with ALSH_REQUIRE_PRIVILEGED=1 (CI) a missing
// prerequisite is a failure, not a skip.

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("ALSH_REQUIRE_PRIVILEGED") == "1" {
		t.Fatal("needs root, and ALSH_REQUIRE_PRIVILEGED=1")
	}
	t.Skip("needs root")
}

// build builds ./NAME with go build and extra flags; it returns the binary.
func build(t *testing.T, name string, flags ...string) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	out := filepath.Join(t.TempDir(), name)
	args := append(append([]string{"build"}, flags...), "-o", out, "./"+name)
	if b, err := exec.Command(gobin, args...).CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out
}

// run runs bin and returns its stdout, its stderr and its exit code.
func run(t *testing.T, stdin string, bin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// busyboxJail is a directory holding a static busybox at /busybox.
func busyboxJail(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/bin/busybox")
	if err != nil {
		if os.Getenv("ALSH_REQUIRE_PRIVILEGED") == "1" {
			t.Fatal("no /bin/busybox: install busybox-static")
		}
		t.Skip("no /bin/busybox (apt-get install busybox-static)")
	}
	jail := t.TempDir()
	os.Chmod(jail, 0o755)
	if err := os.WriteFile(filepath.Join(jail, "busybox"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	return jail
}

// The chroot example: a shell's builtin works, a file cannot be created
// (no file descriptors), a program cannot be run (no fork), and the shell
// gives up with status 2; a command's own status comes back.
func TestSandbox(t *testing.T) {
	requireRoot(t)
	bin, jail := build(t, "sandbox"), busyboxJail(t)
	out, errOut, code := run(t, "echo inside\necho hello > /hello\nls /\n", bin, "-jail", jail, "--", "/busybox", "sh")
	if out != "inside\n" || code != 2 || !strings.Contains(errOut, "can't create /hello: Too many open files") ||
		!strings.Contains(errOut, "can't fork") {
		t.Fatalf("stdout %q, stderr %q, exit %d", out, errOut, code)
	}
	if _, err := os.Stat(filepath.Join(jail, "hello")); err == nil {
		t.Fatal("the sandboxed shell wrote /hello")
	}
	out, _, code = run(t, "", bin, "-jail", jail, "-nofile", "4", "--", "/busybox", "sh", "-c", "echo $PPID; exit 7")
	if code != 7 || out == "" {
		t.Fatalf("stdout %q, exit %d; want exit 7", out, code)
	}
}

// The supervisor starts the program three times (two restarts), each in a
// pid namespace of its own (pid 1), with its hostname and user.
func TestSupervisor(t *testing.T) {
	requireRoot(t)
	bin := build(t, "supervisor")
	out, errOut, code := run(t, "", bin, "-restarts", "2", "-backoff", "1ms", "--",
		"sh", "-c", "echo pid $$ on $(hostname) as $(id -u); exit 1")
	want := ""
	for _, n := range []string{"1", "2", "3"} {
		want += "run " + n + "| pid 1 on supervised as 65534\nrun " + n + ": exit status 1\n"
	}
	if out != want || code != 0 {
		t.Fatalf("stdout %q (want %q), stderr %q, exit %d", out, want, errOut, code)
	}
}

// The filter: bytes through a sandboxed cat, every one checked. CI sends
// 64 MiB; the program's default is 1 GiB (ALSH_FILTER_SIZE sets it here).
func TestFilter(t *testing.T) {
	requireRoot(t)
	size := "67108864"
	if s := os.Getenv("ALSH_FILTER_SIZE"); s != "" {
		size = s
	}
	out, errOut, code := run(t, "", build(t, "filter"), "-size", size)
	if want := size + " bytes through a sandboxed cat, every one checked; cat: exit status 0\n"; out != want || code != 0 {
		t.Fatalf("stdout %q, stderr %q, exit %d", out, errOut, code)
	}
	t.Logf("filter: %s", strings.TrimSpace(errOut))
}

// A program that embeds the engine is its own node: its main package's
// init runs once (in the driver, not in the node it boots), and a node
// moves itself into a user namespace in place with no linker flag, in a
// position-dependent and in a position-independent build.
func TestEmbed(t *testing.T) {
	requireRoot(t)
	for _, flags := range [][]string{nil, {"-buildmode=pie"}} {
		out, errOut, code := run(t, "", build(t, "embed", flags...))
		want := regexp.MustCompile(`^embed: main's init ran\nnode's program: exit status 0, uid 0 inside, mapped to our own: true\nmain's init ran in a node: false\n$`)
		if !want.MatchString(out) || code != 0 {
			t.Fatalf("go build %v: stdout %q, stderr %q, exit %d", flags, out, errOut, code)
		}
	}
}
