// Command helper makes the calls FuzzCallArgs sends it, each on a fresh
// sandboxed node, and reports what came of each. It reads requests on
// stdin (a 4-byte little-endian length, then a wire value: the list
// [name, [args…]]) and writes one JSON report a line on stdout.
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine"
	"github.com/alsh/alsh/engine/internal/wire"
)

// Report is what came of one call.
type Report struct {
	Setup   string `json:"setup,omitempty"` // the sandbox could not be made: a harness failure
	Result  string `json:"result,omitempty"`
	Err     string `json:"err,omitempty"`
	Timeout bool   `json:"timeout,omitempty"` // the call had no answer within callTimeout
	Node    string `json:"node"`              // after the call: alive, hung or dead (why)
	Leak    bool   `json:"leak,omitempty"`    // the sandbox was still in the tree after its kill
}

const (
	callTimeout  = 2 * time.Second
	probeTimeout = 2 * time.Second
)

func main() {
	if self, err := os.Executable(); err == nil { // FuzzCallArgs made its directory for it
		defer os.Remove(filepath.Dir(self))
		defer os.Remove(self)
	}
	ctx := context.Background()
	e, err := engine.Start(ctx, engine.Options{CallTimeout: callTimeout})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer e.Close()
	e.Watch(func(builtins.Message) {}) // output and events are not looked at
	dir, err := os.MkdirTemp("", "alsh-callfuzz-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer os.Remove(dir)
	in := bufio.NewReader(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	for {
		name, args, err := readRequest(in)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad request:", err)
			return
		}
		out.Encode(try(ctx, e, dir, name, args))
	}
}

func readRequest(r *bufio.Reader) (string, []any, error) {
	var n uint32
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return "", nil, err
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", nil, err
	}
	v, err := wire.DecodeValue(b)
	l, ok := v.([]any)
	if err != nil || !ok || len(l) != 2 {
		return "", nil, fmt.Errorf("not [name args]: %v %v", v, err)
	}
	name, _ := l[0].(string)
	args, _ := l[1].([]any)
	return name, args, nil
}

// try makes the call on a fresh sandbox, looks whether the node still
// answers, and kills the sandbox (its whole pid namespace).
func try(ctx context.Context, e *engine.Engine, dir, name string, args []any) Report {
	pid, err := sandbox(ctx, e, dir)
	if err != nil {
		return Report{Setup: err.Error()}
	}
	c := []int{pid}
	var rep Report
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	v, err := e.Call(cctx, c, name, args)
	cancel()
	if err != nil {
		rep.Err = err.Error()
		rep.Timeout = errors.Is(err, context.DeadlineExceeded)
	} else {
		rep.Result = builtins.Format(v)
	}
	rep.Node = probe(ctx, e, c)
	rep.Leak = !kill(ctx, e, pid)
	return rep
}

// sandbox clones a node into new pid, mount, uts, ipc, net and cgroup
// namespaces, chroots it into a tmpfs of its own mount namespace (on dir,
// an empty directory, seen only there) and limits it: whatever the call
// does (mount, sethostname, kill -1, writes) reaches nothing of the host.
func sandbox(ctx context.Context, e *engine.Engine, dir string) (int, error) {
	flags := consts("clone_newpid", "clone_newns", "clone_newuts", "clone_newipc", "clone_newnet", "clone_newcgroup")
	v, err := e.Call(ctx, nil, "clone", []any{flags})
	if err != nil {
		return 0, err
	}
	pid := int(v.(int64))
	c := []int{pid}
	lim := func(n int64) builtins.Record { return builtins.Record{"cur": n, "max": n} }
	steps := [][]any{
		{"mount", "none", "/", "", consts("ms_rec", "ms_private"), ""},
		{"mount", "tmpfs", dir, "tmpfs", consts("ms_nosuid", "ms_nodev"), "size=1m"},
		{"chroot", dir}, {"chdir", "/"},
		{"setrlimit", builtins.Const("rlimit_fsize"), lim(1 << 20)},
		{"setrlimit", builtins.Const("rlimit_nofile"), lim(256)},
		{"setrlimit", builtins.Const("rlimit_core"), lim(0)},
	}
	for _, s := range steps {
		if _, err := e.Call(ctx, c, s[0].(string), s[1:]); err != nil {
			kill(ctx, e, pid)
			return 0, fmt.Errorf("%v: %w", s, err)
		}
	}
	return pid, nil
}

func consts(names ...string) []any {
	l := make([]any, len(names))
	for i, n := range names {
		l[i] = builtins.Const(n)
	}
	return l
}

// probe: alive if the node answers getpid, which cannot fail on a live
// node unless a filter denies it; hung if it says nothing; else dead.
func probe(ctx context.Context, e *engine.Engine, c []int) string {
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	_, err := e.Call(pctx, c, "getpid", nil)
	switch {
	case err == nil, errors.Is(err, builtins.ErrFiltered):
		return "alive"
	case errors.Is(err, context.DeadlineExceeded):
		return "hung"
	}
	return "dead (" + err.Error() + ")"
}

// kill ends the sandbox (pid 1 of its namespace: all of it goes) and
// waits until it has left the tree; false if it did not.
func kill(ctx context.Context, e *engine.Engine, pid int) bool {
	e.Call(ctx, nil, "kill", []any{int64(pid), builtins.Const("sigkill")})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if !inTree(e, pid) {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

func inTree(e *engine.Engine, pid int) bool {
	for _, p := range e.Processes() {
		if len(p.Pipeline) == 1 && p.Pipeline[0] == pid {
			return true
		}
	}
	return false
}
