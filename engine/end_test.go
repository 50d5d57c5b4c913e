package engine

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/testutil"
)

// End leaves no process of the tree able to run when it returns: nodes
// booted or not, a program in a session of its own, a sandbox's pid 1
// and its child in a pid namespace of their own, and an orphan the root
// adopted that the driver never knew, in a session of its own too (out of
// the reach of a kill of the tree's process group, with no parent-death
// signal); then all of them end.
func TestEndKillsTheWholeTreeAtOnce(t *testing.T) {
	testutil.RequirePrivileged(t) // clone_newpid
	e, ctx := start(t)
	a := fork(t, e, ctx, nil)
	booted := fork(t, e, ctx, a)
	bootNode(t, e, ctx, booted)
	prog := fork(t, e, ctx, a)
	call(t, e, ctx, prog, "setsid")
	call(t, e, ctx, prog, "execvp", "/bin/sleep", []any{"sleep", "1000"})
	sandbox := append(append([]int(nil), a...), int(call(t, e, ctx, a, "clone", []any{builtins.Const("clone_newpid")}).(int64)))
	inside := fork(t, e, ctx, sandbox)
	call(t, e, ctx, inside, "execvp", "/bin/sleep", []any{"sleep", "1000"})
	parent := fork(t, e, ctx, nil)
	call(t, e, ctx, parent, "execvp", "/bin/sh", []any{"sh", "-c", "setsid sleep 1000 & echo $!"})
	event(t, e, ctx, parent)
	var orphan int
	fmt.Sscan(call(t, e, ctx, parent, "stdout", int64(1000)).(string), &orphan)
	if orphan == 0 || !testutil.Alive(orphan) {
		t.Fatalf("no orphan sleep (%d)", orphan)
	}
	pids := append(livePids(e), orphan)
	if len(pids) != 7 { // the root, a, booted, prog, sandbox, inside, and the orphan
		t.Fatalf("%d live processes before End, want 7: %v", len(pids), pids)
	}
	if err := e.End(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if !doomed(pid) {
			t.Errorf("process %d can still run after End", pid)
		}
	}
	testutil.WaitDead(t, pids...)
}

// doomed says whether pid can run no more: gone, a zombie, exiting
// (PF_EXITING), or with SIGKILL pending.
func doomed(pid int) bool {
	if !testutil.Alive(pid) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // from the state, field 3
	const pfExiting = 0x4
	if flags, err := strconv.ParseUint(fields[9-3], 10, 64); err == nil && flags&pfExiting != 0 {
		return true
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return true
	}
	for _, line := range strings.Split(string(status), "\n") {
		name, value, _ := strings.Cut(line, ":")
		if name != "SigPnd" && name != "ShdPnd" {
			continue
		}
		const sigkillBit = 1 << (9 - 1)
		if mask, err := strconv.ParseUint(strings.TrimSpace(value), 16, 64); err == nil && mask&sigkillBit != 0 {
			return true
		}
	}
	return false
}
