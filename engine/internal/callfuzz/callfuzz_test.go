package callfuzz

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
	"github.com/alsh/alsh/engine/internal/wire"
)

// mayEnd lists the calls after which the node may be gone, and why. After
// any other call, a dead node is a failure.
var mayEnd = map[string]string{
	"exit":         "ends the node by definition",
	"execve":       "replaces the node: success is its control socket closing",
	"execvp":       "replaces the node",
	"fexecve":      "replaces the node (fd 5 is the node's own binary)",
	"kill":         "pid 1 of the sandbox's pid namespace is the node itself, and 0 and -1 reach it too",
	"close":        "closing the node's own control socket or lifeline ends its loop, as closing them from outside would",
	"seccomp":      "a filter whose action kills (or strict mode) ends the node at its next syscall",
	"seccomp_load": "a filter whose action kills ends the node at its next syscall",
	"prctl":        "pr_set_seccomp strict mode ends the node at its next syscall",
	"setrlimit": "rlimit_cpu 0 ends the node with SIGKILL, and rlimit_as, rlimit_data or rlimit_stack below " +
		"what a Go runtime needs may crash it: limits meant for a program, applied to the node itself",
	"landlock_restrict_self": "a ruleset denying the node's own files can stop it from booting (a proto-node execs the memfd)",
	"landlock":               "as landlock_restrict_self",
}

// mayBlock lists the calls that may wait past the helper's call timeout
// by their nature, leaving the node busy (hung, to the probe), and why.
// Any other call that does not answer in time is a failure.
var mayBlock = map[string]string{
	"read":    "reads the node's stdin pipe (fd 0), which nobody writes, or a socket",
	"select":  "waits up to its timeout argument, or for ever",
	"waitpid": "waits for a child without wnohang",
	"connect": "a socket created blocking may wait on a peer",
	"ptrace":  "ptrace_traceme stops the node at its next signal, with nobody to resume it",
	"kill":    "sigstop of pid 1, 0 or -1 stops the node itself",
	"event":   "waits up to its milliseconds argument",
	"stdout":  "waits up to its milliseconds argument",
	"stderr":  "waits up to its milliseconds argument",
	"prctl":   "pr_set_seccomp strict mode makes every later call of the node fail by SIGKILL, or stops it",
	"write":   "to a pipe of the node's own that nobody reads (its lifeline's, its signal pipe) once full",
	"open":    "a fifo, or a file with o_exclusive locks",
	"setrlimit": "rlimit_nofile below what the node holds makes its next accept of fds fail, " +
		"and a stopped node (rlimit_cpu) does not answer",
	"seccomp":      "an errno or trap filter on the syscalls the node waits with",
	"seccomp_load": "as seccomp",
	"sigaction":    "sig_ign or sig_dfl of a signal the node waits on (sigurg, its wake-up) can leave it asleep",
	"fcntl":        "o_nonblock cleared or set on the node's own control socket changes how it waits",
	"ioctl":        "an ioctl on the node's own fds (fionbio on its control socket) changes how it waits",
}

var (
	helperOnce sync.Once
	helper     *helperProc
	helperErr  error
)

type helperProc struct {
	mu  sync.Mutex
	in  io.WriteCloser
	out *bufio.Reader
	cmd *exec.Cmd
}

// startHelper builds the helper with the entry hook (go build, into a
// temporary directory, which the helper removes when it ends: its nodes
// run its binary) and starts it; one per test process. It ends when this
// process does (its stdin closes).
func startHelper(t *testing.T) *helperProc {
	helperOnce.Do(func() {
		dir, err := os.MkdirTemp("", "alsh-callfuzz-helper-")
		if err != nil {
			helperErr = err
			return
		}
		bin := filepath.Join(dir, "helper")
		build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build",
			"-ldflags=-E=github.com/alsh/alsh/engine/internal/proto.alshEntry", "-o", bin, "./helper")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			helperErr = fmt.Errorf("building the helper: %v\n%s", err, out)
			return
		}
		cmd := exec.Command(bin)
		cmd.Stderr = os.Stderr
		in, _ := cmd.StdinPipe()
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			helperErr = err
			return
		}
		helper = &helperProc{in: in, out: bufio.NewReader(out), cmd: cmd}
	})
	if helperErr != nil {
		t.Fatal(helperErr)
	}
	return helper
}

type report struct {
	Setup   string `json:"setup"`
	Result  string `json:"result"`
	Err     string `json:"err"`
	Timeout bool   `json:"timeout"`
	Node    string `json:"node"`
	Leak    bool   `json:"leak"`
}

func (h *helperProc) call(name string, args []any) (report, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	body, err := wire.EncodeValue(nil, []any{name, args})
	if err != nil {
		return report{}, err
	}
	msg := binary.LittleEndian.AppendUint32(nil, uint32(len(body)))
	if _, err := h.in.Write(append(msg, body...)); err != nil {
		return report{}, fmt.Errorf("the helper (driver) is gone: %w", err)
	}
	line, err := h.out.ReadBytes('\n')
	if err != nil {
		return report{}, fmt.Errorf("the helper (driver) is gone: %w", err)
	}
	var r report
	return r, json.Unmarshal(line, &r)
}

// FuzzCallArgs gives random values of every type to every call of the
// table, each on a fresh sandboxed node (see package doc): an error or a
// result, never a crash of the driver, a hang or a dead node, except as
// mayEnd and mayBlock allow.
func FuzzCallArgs(f *testing.F) {
	for i := range builtins.Table {
		for _, seed := range []string{"\x05", "\x02\x03\x04\x05\x06\x07\x08\x09\x0a"} {
			f.Add(uint16(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, which uint16, data []byte) {
		testutil.RequirePrivileged(t) // namespaces, chroot, mounts
		c := &builtins.Table[int(which)%len(builtins.Table)]
		g := &gen{b: data}
		args := g.args(c)
		r, err := startHelper(t).call(c.Name, args)
		if err != nil {
			t.Fatalf("%s %s: %v", c.Name, builtins.Format(args), err)
		}
		t.Logf("%s %s: %+v", c.Name, builtins.Format(args), r)
		judge(t, c.Name, builtins.Format(args), r)
	})
}

// judge fails the test for what must not come of a call.
func judge(t *testing.T, name, args string, r report) {
	t.Helper()
	what := name + " " + args
	switch {
	case r.Setup != "":
		t.Fatalf("%s: the sandbox could not be made: %s", what, r.Setup)
	case r.Leak:
		t.Fatalf("%s: the sandbox was still in the tree after its kill", what)
	case r.Timeout && mayBlock[name] == "":
		t.Fatalf("%s: no answer in time (%s)", what, r.Err)
	case strings.HasPrefix(r.Node, "dead") && r.Timeout && mayBlock[name] != "" && strings.Contains(r.Err, "is lost"):
		// a call that blocked past its timeout: the engine kills the
		// node (it holds nothing then) and says so in the error, as
		// docs/engine.md's Guarantees say
	case strings.HasPrefix(r.Node, "dead") && mayEnd[name] == "":
		t.Fatalf("%s: answered %q %q, and the node is %s", what, r.Result, r.Err, r.Node)
	case r.Node == "hung" && mayBlock[name] == "" && mayEnd[name] == "":
		t.Fatalf("%s: answered %q %q, and the node answers no more", what, r.Result, r.Err)
	}
}

// gen turns fuzz bytes into arguments: mostly of the kind each argument
// wants (constants of its table, edge integers, short byte strings),
// sometimes of any kind, sometimes one too few or too many.
type gen struct{ b []byte }

func (g *gen) byte() byte {
	if len(g.b) == 0 {
		return 0
	}
	x := g.b[0]
	g.b = g.b[1:]
	return x
}

func (g *gen) args(c *builtins.Call) []any {
	n := len(c.Args)
	switch g.byte() % 16 {
	case 0:
		n = max(0, n-1-c.Optional)
	case 1:
		n++
	}
	out := make([]any, n)
	for i := range out {
		a := builtins.Arg{Kind: builtins.Any}
		if i < len(c.Args) {
			a = c.Args[i]
		}
		out[i] = g.value(a, 0)
	}
	return out
}

func (g *gen) value(a builtins.Arg, depth int) any {
	kind := a.Kind
	if g.byte()%8 == 0 || depth > 2 {
		kind = builtins.Any
	}
	switch kind {
	case builtins.Int:
		return g.int()
	case builtins.Str:
		return g.str()
	case builtins.Strs:
		return g.list(func() any { return g.str() })
	case builtins.Ints:
		return g.list(func() any { return g.int() })
	case builtins.Flags:
		return g.flags(a.Table)
	case builtins.Rlimit:
		return builtins.Record{"cur": g.int(), "max": g.int()}
	}
	return g.anyValue(depth)
}

var edgeInts = []int64{0, 1, -1, 2, 3, 4, 5, 6, 7, 9, 64, 255, 256, 4096, 65534, 65535, 1 << 31, 1<<31 - 1, -1 << 31,
	1 << 32, 1<<32 - 1, 1<<63 - 1, -1 << 63}

func (g *gen) int() int64 {
	x := g.byte()
	if x < 200 {
		return edgeInts[int(x)%len(edgeInts)]
	}
	var v int64
	for range 8 {
		v = v<<8 | int64(g.byte())
	}
	return v
}

var edgeStrs = []string{"", "/", ".", "..", "/proc/self/exe", "x", "/x/../..", "a\x00b", strings.Repeat("A", 300), "proc", "tmpfs", "none"}

func (g *gen) str() string {
	x := g.byte()
	if x < 128 {
		return edgeStrs[int(x)%len(edgeStrs)]
	}
	n := int(g.byte() % 24)
	b := make([]byte, n)
	for i := range b {
		b[i] = g.byte()
	}
	return string(b)
}

func (g *gen) list(elem func() any) []any {
	l := make([]any, g.byte()%4)
	for i := range l {
		l[i] = elem()
	}
	return l
}

// flags: a constant of the argument's table, several OR'd, an integer,
// or a name no table has.
func (g *gen) flags(table string) any {
	names := builtins.ConstantNames(table)
	pick := func() any {
		if len(names) == 0 {
			return builtins.Const("no_such_constant")
		}
		return builtins.Const(names[int(g.byte())%len(names)])
	}
	switch g.byte() % 4 {
	case 0:
		return g.int()
	case 1:
		return g.list(pick)
	}
	return pick()
}

func (g *gen) anyValue(depth int) any {
	switch g.byte() % 6 {
	case 0:
		return nil
	case 1:
		return g.str()
	case 2:
		return g.list(func() any { return g.anyValue(depth + 1) })
	case 3:
		r := builtins.Record{}
		for range g.byte() % 3 {
			r[g.str()] = g.anyValue(depth + 1)
		}
		return r
	case 4:
		return builtins.Const(g.str())
	}
	return g.int()
}
