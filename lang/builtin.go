package lang

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alsh/alsh/builtins"
)

// builtin is a command of the language itself rather than a system call.
type builtin struct {
	usage   string // as help shows it
	summary string
	example string // a REPL line, checked by the tests
	quiet   bool   // prints for itself; the REPL does not echo its value
	fn      func(r *run, c *Call, args []any) (any, error)
}

// valueBuiltins are the builtins that only compute a value; a condition
// takes their result only when it is a bool.
var valueBuiltins = map[string]bool{"len": true, "range": true, "contains": true, "trim": true, "rand": true}

// builtinFuncs is every builtin, by name. It is filled in init because
// help reads it.
var builtinFuncs map[string]*builtin

func init() {
	builtinFuncs = map[string]*builtin{
		"print":    {"print VALUE…", "print values separated by spaces: strings as they are, others as literals", `print "pid" 42`, true, doPrint},
		"echo":     {"echo VALUE…", "the same as print", `echo "hello"`, true, doPrint},
		"sleep":    {"sleep MS", "wait MS milliseconds", "sleep 10", true, doSleep},
		"rand":     {"rand N", "a random integer from 0 to N-1", "0xf0000000 + rand 65535", false, doRand},
		"len":      {"len VALUE", "the length of a list, string or record", "len [1 2 3]", false, doLen},
		"range":    {"range N | range FROM TO", "the list of integers from 0 (or FROM) up to but not including N (or TO)", "range 3", false, doRange},
		"contains": {"contains HAYSTACK NEEDLE", "whether a string holds a substring, or a list an element", `contains "can't fork" "fork"`, false, doContains},
		"wait":     {"wait stdout|stderr [pipeline] PATTERN ?MS | wait event|exit [pipeline] ?MS", "wait up to MS milliseconds (default 5000) for output holding PATTERN, for an event, or for the exit event", `wait stdout [$c] "ready" 2000`, false, doWait},
		"help":     {"help ?NAME", "list the commands, or describe one", "help setuid", true, doHelp},
		"ps":       {"ps", "list the live processes", "ps", true, doPs},
		"source":   {"source FILE", "run a script file here: its variables and procedures stay defined", `source "lib.alsh"`, true, doSource},
		"exit":     {"exit ?STATUS | exit [pipeline] STATUS", "end the script with STATUS (default 0); with a pipeline, the exit call of that process", "exit 0", true, doExit},
		"trim":     {"trim STRING", "the string without leading and trailing white space", `trim " hi\n"`, false, doTrim},
		"timeout":  {"timeout MS | timeout MS CALL [pipeline] ARG…", "bound every later call by MS milliseconds, or only the call given; a call past it fails with timeout", "timeout 500 getpid []", false, doTimeout},
		"batch":    {batchUsage, "make the calls of a list on one process at once, in order, up to the first that fails (unless with an errno it tolerates): one wait for all their replies; their results", `batch [] [["getpid"] ["getcwd"] {call: ["rmdir" "/nonexistent"], tolerate: [enoent]}]`, false, doBatch},
		"fail":     {"fail MESSAGE", "fail with MESSAGE, like a failed call: try catches it", `fail "no jail given"`, false, doFail},
	}
	for _, more := range []map[string]*builtin{textBuiltins(), dataBuiltins(), hostBuiltins()} {
		for name, b := range more {
			builtinFuncs[name] = b
			valueBuiltins[name] = name != "read_file" && name != "write_file" && name != "host"
		}
	}
}

// many stands for no upper bound in builtinArity.
const many = -1

// builtinArity is how many arguments each builtin takes, for the check
// before a program runs (each builtin checks again when it runs).
var builtinArity = map[string][2]int{
	"print": {0, many}, "echo": {0, many}, "sleep": {1, 1}, "rand": {1, 1}, "len": {1, 1},
	"range": {1, 2}, "contains": {2, 2}, "wait": {2, 4}, "help": {0, 1}, "ps": {0, 0},
	"source": {1, 1}, "exit": {0, 2}, "trim": {1, 1}, "fail": {1, 1}, "timeout": {1, many}, "batch": {2, 2},
	"split": {1, 2}, "join": {1, 2}, "lines": {1, 1}, "replace": {3, 3}, "find": {2, 2},
	"starts": {2, 2}, "ends": {2, 2}, "upper": {1, 1}, "lower": {1, 1}, "int": {1, 2},
	"str": {1, 1}, "hex": {1, 1}, "format": {1, many},
	"keys": {1, 1}, "values": {1, 1}, "has": {2, 2}, "now": {0, 0},
	"host": {1, 2}, "to_json": {1, 1}, "from_json": {1, 1}, "read_file": {1, 1}, "write_file": {2, 2},
}

// reservedName says why a procedure may not have this name, or "".
func reservedName(name string) string {
	if _, ok := builtinFuncs[name]; ok {
		return "a builtin has that name"
	}
	if _, ok := builtins.Lookup(name); ok {
		return "a call has that name"
	}
	return ""
}

// usageError is a builtin called with arguments it cannot take.
func usageError(c *Call, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &builtins.ArgError{Call: c.Name, Msg: msg + " (usage: " + builtinFuncs[c.Name].usage + ")"}
}

func arity(c *Call, args []any, min, max int) error {
	if len(args) < min || len(args) > max {
		want := fmt.Sprint(min)
		if max != min {
			want = fmt.Sprintf("%d to %d", min, max)
		}
		return usageError(c, "want %s arguments, got %d", want, len(args))
	}
	return nil
}

// only returns the single argument of a builtin that takes one, as a T.
// want is the start of the message when it is not a T ("want a string").
func only[T any](c *Call, args []any, want string) (T, error) {
	var zero T
	if err := arity(c, args, 1, 1); err != nil {
		return zero, err
	}
	v, ok := args[0].(T)
	if !ok {
		return zero, usageError(c, "%s, got %s", want, describe(args[0]))
	}
	return v, nil
}

// intArg reads argument i as an int.
func intArg(c *Call, args []any, i int) (int64, error) {
	n, ok := args[i].(int64)
	if !ok {
		return 0, usageError(c, "argument %d: want int, got %s", i+1, describe(args[i]))
	}
	return n, nil
}

func doPrint(r *run, c *Call, args []any) (any, error) {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = text(a)
	}
	fmt.Fprintln(r.in.opts.Stdout, strings.Join(parts, " "))
	return nil, nil
}

func doSleep(r *run, c *Call, args []any) (any, error) {
	ms, err := only[int64](c, args, "argument 1: want int")
	if err != nil {
		return nil, err
	}
	if ms < 0 {
		return nil, usageError(c, "want MS >= 0, got %d", ms)
	}
	return nil, sleep(r.ctx, time.Duration(ms)*time.Millisecond)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func doRand(r *run, c *Call, args []any) (any, error) {
	n, err := only[int64](c, args, "argument 1: want int")
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, usageError(c, "want N > 0, got %d", n)
	}
	return r.in.opts.Rand(n), nil
}

func doLen(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 1, 1); err != nil {
		return nil, err
	}
	switch v := args[0].(type) {
	case string:
		return int64(len(v)), nil
	case []any:
		return int64(len(v)), nil
	case builtins.Record:
		return int64(len(v)), nil
	}
	return nil, usageError(c, "want a list, string or record, got %s", describe(args[0]))
}

// maxRange bounds the lists range builds.
const maxRange = 1 << 20

func doRange(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 1, 2); err != nil {
		return nil, err
	}
	bounds := []int64{0, 0}
	for i := range args {
		n, err := intArg(c, args, i)
		if err != nil {
			return nil, err
		}
		bounds[i+2-len(args)] = n
	}
	from, to := bounds[0], bounds[1]
	if to-from > maxRange {
		return nil, usageError(c, "range of %d integers is too long (at most %d)", to-from, maxRange)
	}
	out := []any{}
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out, nil
}

func doContains(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 2, 2); err != nil {
		return nil, err
	}
	switch h := args[0].(type) {
	case string:
		if n, ok := args[1].(string); ok {
			return strings.Contains(h, n), nil
		}
		return nil, usageError(c, "argument 2: want string, got %s", describe(args[1]))
	case []any:
		for _, e := range h {
			if equal(e, args[1]) {
				return true, nil
			}
		}
		return false, nil
	}
	return nil, usageError(c, "argument 1: want a string or a list, got %s", describe(args[0]))
}

func doExit(r *run, c *Call, args []any) (any, error) {
	if len(args) > 0 {
		if _, ok := args[0].([]any); ok {
			tc, _ := builtins.Lookup("exit")
			return r.callTableArgs(c, tc, args)
		}
	}
	if err := arity(c, args, 0, 1); err != nil {
		return nil, err
	}
	status := int64(0)
	if len(args) == 1 {
		n, err := intArg(c, args, 0)
		if err != nil {
			return nil, err
		}
		status = n
	}
	if status < 0 || status > 255 {
		return nil, usageError(c, "status %d is out of range 0 to 255", status)
	}
	return nil, ExitStatus(status)
}

func doFail(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 1, 1); err != nil {
		return nil, err
	}
	return nil, &namedError{name: "error", msg: text(args[0]), raw: true}
}

func doTrim(r *run, c *Call, args []any) (any, error) {
	s, err := only[string](c, args, "want a string")
	if err != nil {
		return nil, err
	}
	return strings.TrimSpace(s), nil
}
