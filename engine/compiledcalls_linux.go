package engine

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// Calls the driver compiles into a runtime-free form.
//
// seccomp_load of a policy record is compiled here, where a Go runtime
// runs, into a plan (builtins.SeccompProgram) that seccomp_load installs
// runtime-free: a proto-node loads the filter without booting. The
// program does not depend on the process that loads it (a Docker
// profile's does: it goes to the node as it is). When the install fails,
// the call is made again with the record, which the node serves as before
// and whose error it words (the failed seccomp changed nothing); so its
// results and errors are seccomp_load's.

// landlock's record is settled here into a plan (builtins.LandlockPlan:
// the rights the kernel's ABI handles, each path's rights on a directory
// and on a file, the ports, and the call's result), which the landlock
// call makes runtime-free. As for seccomp_load, a plan that fails is
// followed by the call with its record, so its errors are the node's.

// staticBinary: the binary has no ELF interpreter. A proto-node that
// landlock confined may boot later, executing the binary under its
// domain; a dynamic binary then needs the exec right on its interpreter,
// which the domain need not grant (a node that confined itself never
// executes the binary again). So a dynamic build (cgo) leaves landlock to
// the node, as before.
var staticBinary = sync.OnceValue(func() bool { return Interpreter() == "" })

// enforcePlanned enforces a landlock record settled here; done false:
// the caller makes the call itself.
func (e *Engine) enforcePlanned(ctx context.Context, deadline time.Time, pl []int, c *builtins.Call, args []any) (v any, done bool, err error) {
	if e.remote != nil || len(args) != 1 || !staticBinary() {
		return nil, false, nil
	}
	if _, ok := args[0].(builtins.Record); !ok {
		return nil, false, nil
	}
	abi, abiErr := builtins.LandlockABI()
	if abiErr != nil {
		return nil, false, nil
	}
	plan, result, ok := builtins.LandlockPlan(args[0], abi)
	if !ok {
		return nil, false, nil
	}
	return e.planned(ctx, deadline, pl, c, plan, result)
}

// loadCompiled installs a seccomp_load policy compiled here; done false:
// the caller makes the call itself.
func (e *Engine) loadCompiled(ctx context.Context, deadline time.Time, pl []int, c *builtins.Call, args []any) (v any, done bool, err error) {
	if e.remote != nil || len(args) != 1 { // a remote host's kernel and architecture may differ
		return nil, false, nil
	}
	plan, result, ok := builtins.SeccompProgram(args[0])
	if !ok {
		return nil, false, nil
	}
	return e.planned(ctx, deadline, pl, c, plan, result)
}

// planned makes call c with its plan; done false: the caller makes it
// again with its own arguments, unless the call's time is up (the plan's
// reply may yet come: a second filter or domain is not made on top of it).
func (e *Engine) planned(ctx context.Context, deadline time.Time, pl []int, c *builtins.Call, plan string, result any) (any, bool, error) {
	if _, err := e.nodeCall(ctx, deadline, pl, c, []any{plan}); err != nil {
		if ctx.Err() != nil || !time.Now().Before(deadline) {
			return nil, true, err
		}
		return nil, false, nil
	}
	return result, true, nil
}

// nodeCallCompiled is nodeCall, but for a call the driver compiles
// (seccomp_load of a policy record, landlock of a record).
func (e *Engine) nodeCallCompiled(ctx context.Context, deadline time.Time, pl []int, c *builtins.Call, args []any) (any, error) {
	var (
		v    any
		err  error
		done bool
	)
	switch c.Name {
	case "seccomp":
		e.bootBeforeFilter(ctx, deadline, pl, args)
	case "seccomp_load":
		v, done, err = e.loadCompiled(ctx, deadline, pl, c, args)
	case "landlock":
		v, done, err = e.enforcePlanned(ctx, deadline, pl, c, args)
	}
	if done {
		return v, err
	}
	return e.nodeCall(ctx, deadline, pl, c, args)
}

// bootBeforeFilter: a proto-node would load seccomp's program itself,
// and one that refuses the execveat of its boot would kill it at its next
// call that needs a node, where a node that loaded it goes on. So a call
// it does not serve (getopt, whose result does not matter) makes it boot
// first; a node just answers it.
func (e *Engine) bootBeforeFilter(ctx context.Context, deadline time.Time, pl []int, args []any) {
	if e.remote != nil || len(args) < 3 {
		return
	}
	op, _ := args[0].(int64)
	prog, ok := args[2].(string)
	if op != unix.SECCOMP_SET_MODE_FILTER || !ok || !builtins.SeccompRefusesBoot(prog) {
		return
	}
	if c, ok := builtins.Lookup("getopt"); ok {
		e.nodeCall(ctx, deadline, pl, c, []any{int64(builtins.OptMaxChild)})
	}
}
