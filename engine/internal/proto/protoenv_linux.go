package proto

import (
	"syscall"
	"unsafe"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/wire"
)

// A node's environment is its Go runtime's (os.Setenv), which its execvp
// passes on. A proto-node keeps one of its own instead, so that setenv,
// unsetenv, clearenv, getenv and environ need no boot (alsh box's
// sandbox.chdir sets PWD in the sandbox's pid 1): from its first such
// call, the list State.env of "NAME=value" C strings, those of its node's
// environment (Env.UserEnv) where they are, those it sets in State.envText.
// Its programs (execvp, which searches a PATH it set as the node's would:
// CleanPath) get that list, its own children a copy, and its
// boot the list with the runtime settings (Env.NodeEnv's RuntimeVars), so
// that its node's os.Environ is what the proto-node had. It changes the
// list as Go's syscall.Setenv, Unsetenv and Clearenv do (a value replaced
// in place, a new one last), with the node's errors (sys_env_linux.go in
// builtins). It boots, leaving the call to its node, when the list or a
// string does not fit, when a value holds a NUL, and before any change of
// a RuntimeVar: its node restores those from its argv words (RuntimeArgs
// in package node), which the proto-node does not rewrite.

const (
	// maxEnvVars: a larger environment makes the proto-node boot. The
	// boot's list (protoBootEnv, in State.envv) holds it and the runtime
	// settings.
	maxEnvVars  = MaxArgs - len(RuntimeVars)
	envTextSize = 16 << 10
	// pathMax bounds the PATH a proto-node cleans for execvp (longer:
	// execvp's search is its node's).
	pathMax = 4096
)

// RuntimeVars are the variables a node's Go runtime starts with values of
// its own (runtimeSettings in package node), and which its argv words
// restore to the user's.
var RuntimeVars = [...]string{"GOMAXPROCS", "GODEBUG", "GORACE"}

// envArgs are an environment call's arguments, by their place in the
// message (State.buf).
type envArgs struct {
	nameOff, nameN, valOff, valN int
	valid, overwrite             bool
}

// protoEnv serves an environment call (op opSetenv to opEnviron); false:
// boot. Each call's step writes its value into the reply (nil for the
// calls that change the environment) and returns its length, or envBoot
// or envInval; its arguments are in the State: the nosplit stack is
// short.
//
//go:norace
//go:nosplit
//go:noinline
func protoEnv(ps *State, d *protoDec, id uint32, op uint16) bool {
	if !protoEnvArgs(ps, d, op) || !protoOwnEnv(ps) {
		return false
	}
	n := envCall(ps, op)
	if n == envBoot {
		return false
	}
	protoConsume()
	if n != envInval {
		protoReplyValue(ps, id, n)
		return true
	}
	name := "setenv"
	if op == opUnsetenv {
		name = "unsetenv"
	}
	protoReplyErr(ps, id, syscall.EINVAL, name, nil, 0)
	return true
}

// envCall's results other than a value's length.
const (
	envBoot  = -1 // the call is its node's
	envInval = -2 // EINVAL: not a name
)

//go:norace
//go:nosplit
//go:noinline
func envCall(ps *State, op uint16) int {
	switch op {
	case opSetenv:
		return envSetenv(ps)
	case opUnsetenv:
		return envUnsetenv(ps)
	case opClearenv:
		return envClearenv(ps)
	case opGetenv:
		return envGetenv(ps)
	}
	return envEnviron(ps)
}

// protoEnvArgs reads the call's arguments into ps.envArgs: a name
// (setenv, unsetenv, getenv), a value and an optional overwrite (setenv).
// false: not as the proto-node serves them (a NUL in a value: the node's
// error).
//
//go:norace
//go:nosplit
//go:noinline
func protoEnvArgs(ps *State, d *protoDec, op uint16) bool {
	a := &ps.envArgs
	n := d.list(-1)
	if op == opClearenv || op == opEnviron {
		return n == 0 && d.end()
	}
	a.nameOff, a.nameN, _ = d.str() // a NUL inside: EnvNameOK refuses it
	if !d.ok {
		return false
	}
	a.valid = builtins.EnvNameOK(envArgName(ps))
	if op != opSetenv {
		return n == 1 && d.end()
	}
	var nul bool
	a.valOff, a.valN, nul = d.str()
	a.overwrite = n != 3 || d.int64() != 0
	return (n == 2 || n == 3) && d.end() && !nul
}

// envArgName is the name argument, in the message.
//
//go:norace
//go:nosplit
func envArgName(ps *State) string {
	a := &ps.envArgs
	if a.nameOff < 0 || a.nameN < 0 || a.nameOff+a.nameN >= len(ps.buf) {
		return ""
	}
	return unsafe.String(&ps.buf[a.nameOff], a.nameN)
}

// protoOwnEnv makes the proto-node's environment its own list, at its
// first environment call: its node's strings, where they are. false: they
// do not fit.
//
//go:norace
//go:nosplit
//go:noinline
func protoOwnEnv(ps *State) bool {
	if ps.envOwn {
		return true
	}
	n := 0
	for n < len(ps.userEnv) && ps.userEnv[n] != nil {
		n++
	}
	if n > maxEnvVars {
		return false
	}
	for i := 0; i < n; i++ {
		ps.env[i] = uintptr(unsafe.Pointer(ps.userEnv[i]))
	}
	ps.env[n] = 0
	ps.envN, ps.envUsed, ps.envOwn = n, 0, true
	return true
}

// envNil writes the nil value into the reply: the changes' result.
//
//go:norace
//go:nosplit
func envNil(ps *State) int {
	ps.out[wire.HeaderLen] = wire.TagNil
	return 1
}

// envSetenv: setenv NAME VALUE [OVERWRITE], as the node: a bad name
// fails, overwrite 0 keeps a value that is set, else the value replaces
// the old one in its place or comes last.
//
//go:norace
//go:nosplit
//go:noinline
func envSetenv(ps *State) int {
	if !ps.envArgs.valid {
		return envInval
	}
	name := envArgName(ps)
	i := envFind(ps, name)
	if i >= 0 && !ps.envArgs.overwrite {
		return envNil(ps)
	}
	if isRuntimeVar(name) || !envAdd(ps, name, i) {
		return envBoot
	}
	return envNil(ps)
}

// envAdd makes "NAME=value" (the call's value) in envText, the entry at
// i or a new one last (i < 0). false: no room, nothing changed.
//
//go:norace
//go:nosplit
//go:noinline
func envAdd(ps *State, name string, i int) bool {
	a := &ps.envArgs
	need := len(name) + 1 + a.valN + 1
	if ps.envUsed+need > len(ps.envText) || i < 0 && ps.envN >= maxEnvVars || a.valOff+a.valN > len(ps.buf) {
		return false
	}
	kv := ps.envText[ps.envUsed : ps.envUsed+need]
	copy(kv, name)
	kv[len(name)] = '='
	copy(kv[len(name)+1:], ps.buf[a.valOff:a.valOff+a.valN])
	kv[need-1] = 0
	ps.envUsed += need
	if i < 0 {
		i = ps.envN
		ps.envN++
		ps.env[ps.envN] = 0
	}
	ps.env[i] = uintptr(unsafe.Pointer(&kv[0]))
	if strIs(name, "PATH") { // cleaned by protoMain (protoCleanPath): the stack is short here
		ps.pathOwn, ps.pathN, ps.pathDue = true, 0, true
		ps.pathAt, ps.pathLen = ps.envUsed-need+len(name)+1, a.valN
	}
	return true
}

// protoCleanPath cleans the PATH setenv set, for execvp (CleanPath).
//
//go:norace
//go:nosplit
//go:noinline
func protoCleanPath(ps *State) {
	ps.pathDue = false
	if ps.pathAt >= 0 && ps.pathLen >= 0 && ps.pathAt+ps.pathLen <= len(ps.envText) {
		ps.pathN = max(CleanPath(ps.pathBuf[:], ps.envText[ps.pathAt:ps.pathAt+ps.pathLen]), 0)
	}
}

// envUnsetenv: unsetenv NAME. The others keep their order.
//
//go:norace
//go:nosplit
//go:noinline
func envUnsetenv(ps *State) int {
	name := envArgName(ps)
	if !ps.envArgs.valid {
		return envInval
	}
	if isRuntimeVar(name) {
		return envBoot
	}
	if i := envFind(ps, name); i >= 0 && i < ps.envN && ps.envN < len(ps.env) {
		copy(ps.env[i:ps.envN], ps.env[i+1:ps.envN+1])
		ps.envN--
	}
	if strIs(name, "PATH") {
		ps.pathOwn, ps.pathN = true, 0
	}
	return envNil(ps)
}

// envClearenv: clearenv, unless it would change a RuntimeVar.
//
//go:norace
//go:nosplit
//go:noinline
func envClearenv(ps *State) int {
	for i := 0; i < len(RuntimeVars); i++ {
		if envFind(ps, RuntimeVars[i]) >= 0 {
			return envBoot
		}
	}
	ps.envN, ps.env[0], ps.envUsed = 0, 0, 0
	ps.pathOwn, ps.pathN = true, 0
	return envNil(ps)
}

// envGetenv writes getenv's value into the reply, its value or nil
// (unset, or no name: no entry has it).
//
//go:norace
//go:nosplit
//go:noinline
func envGetenv(ps *State) int {
	out := ps.out[wire.HeaderLen:]
	name := envArgName(ps)
	i := -1
	if ps.envArgs.valid {
		i = envFind(ps, name)
	}
	if i < 0 || i >= len(ps.env) {
		return envNil(ps)
	}
	n := cstrCopy(out[5:], ps.env[i], len(name)+1)
	if n < 0 {
		return envBoot // larger than the reply holds
	}
	putTagLen(out, wire.TagString, n)
	return 5 + n
}

// envEnviron writes environ's list of "NAME=value" into the reply.
//
//go:norace
//go:nosplit
//go:noinline
func envEnviron(ps *State) int {
	out := ps.out[wire.HeaderLen:]
	putTagLen(out, wire.TagList, ps.envN)
	o := 5
	for i := 0; i < ps.envN && i < len(ps.env); i++ {
		if o+5 > len(out) {
			return envBoot
		}
		n := cstrCopy(out[o+5:], ps.env[i], 0)
		if n < 0 {
			return envBoot // larger than the reply holds
		}
		putTagLen(out[o:], wire.TagString, n)
		o += 5 + n
	}
	return o
}

// cstrCopy copies the C string at p, from its byte skip on, into out and
// returns its length; -1 if it does not fit.
//
//go:norace
//go:nosplit
func cstrCopy(out []byte, p uintptr, skip int) int {
	s := bytesAt(p)
	for n := 0; n <= len(out); n++ {
		c := *(*byte)(unsafe.Add(s, skip+n))
		if c == 0 {
			return n
		}
		if n < len(out) {
			out[n] = c
		}
	}
	return -1
}

// bytesAt is an address kept as a uintptr (the proto-node writes no
// pointers, doc.go) as a pointer.
//
//go:norace
//go:nosplit
func bytesAt(p uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&p))
}

// envFind is the index of name's entry, or -1.
//
//go:norace
//go:nosplit
func envFind(ps *State, name string) int {
	for i := 0; i < ps.envN && i < len(ps.env); i++ {
		if envNameIs(ps.env[i], name) {
			return i
		}
	}
	return -1
}

// envNameIs: the entry at kv is NAME=… for this name (which holds no '='
// or NUL, so the comparison stops at the entry's end).
//
//go:norace
//go:nosplit
func envNameIs(kv uintptr, name string) bool {
	s := bytesAt(kv)
	for i := 0; i < len(name); i++ {
		if *(*byte)(unsafe.Add(s, i)) != name[i] {
			return false
		}
	}
	return *(*byte)(unsafe.Add(s, len(name))) == '='
}

//go:norace
//go:nosplit
func isRuntimeVar(name string) bool {
	for i := 0; i < len(RuntimeVars); i++ {
		if strIs(name, RuntimeVars[i]) {
			return true
		}
	}
	return false
}

// strIs is a == b, compared here (the package calls no runtime code).
//
//go:norace
//go:nosplit
func strIs(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// execPath is PATH cleaned for execvp (CleanPath), NUL-terminated; empty:
// execvp's search is the node's.
//
//go:norace
//go:nosplit
func execPath(ps *State) []byte {
	if ps.pathOwn {
		return ps.pathBuf[:min(ps.pathN, len(ps.pathBuf))]
	}
	return ps.path
}

// execEnv is the environment the proto-node's programs get (execvp).
//
//go:norace
//go:nosplit
func execEnv(ps *State) uintptr {
	if ps.envOwn {
		return uintptr(unsafe.Pointer(&ps.env[0]))
	}
	return uintptr(unsafe.Pointer(&ps.userEnv[0]))
}

// protoBootEnv is the environment of the proto-node's boot: its own
// with the runtime settings of Env.NodeEnv (its own RuntimeVars are the
// user's, which its node restores from its argv), in State.envv.
//
//go:norace
//go:nosplit
func protoBootEnv(ps *State) uintptr {
	if !ps.envOwn {
		return uintptr(unsafe.Pointer(&ps.nodeEnv[0]))
	}
	n := 0
	for i := 0; i < ps.envN && n < len(ps.envv)-1; i++ {
		if !envIsRuntimeVar(ps.env[i]) {
			ps.envv[n] = ps.env[i]
			n++
		}
	}
	for i := 0; i < len(ps.nodeEnv) && ps.nodeEnv[i] != nil && n < len(ps.envv)-1; i++ {
		if kv := uintptr(unsafe.Pointer(ps.nodeEnv[i])); envIsRuntimeVar(kv) {
			ps.envv[n] = kv
			n++
		}
	}
	ps.envv[n] = 0
	return uintptr(unsafe.Pointer(&ps.envv[0]))
}

//go:norace
//go:nosplit
func envIsRuntimeVar(kv uintptr) bool {
	for i := 0; i < len(RuntimeVars); i++ {
		if envNameIs(kv, RuntimeVars[i]) {
			return true
		}
	}
	return false
}

// CleanPath writes PATH into out as a NUL-terminated list when each entry
// is an absolute directory (exec.LookPath refuses relative finds, and the
// proto-node leaves those cases to the node), and returns its length; -1
// if an entry is not, or is longer than 2048 bytes, or out is too small.
// Each entry is cleaned as filepath.Clean does, "/" as "", so that
// dir+"/"+file is exec.LookPath's filepath.Join(dir, file): the path
// execve gets, which a script's interpreter sees as its $0.
//
//go:norace
//go:nosplit
func CleanPath(out, path []byte) int {
	w, start := 0, 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != ':' {
			continue
		}
		if i == start || path[start] != '/' || i-start > 2048 {
			return -1
		}
		if start > 0 { // not the first entry
			if w >= len(out) {
				return -1
			}
			out[w] = ':'
			w++
		}
		if w = cleanDir(out, w, path[start:i]); w < 0 {
			return -1
		}
		start = i + 1
	}
	if w >= len(out) {
		return -1
	}
	out[w] = 0
	return w + 1
}

// cleanDir appends the absolute dir to out[:w], cleaned (filepath.Clean,
// "/" as ""), and returns the new length; -1 if out is too small.
//
//go:norace
//go:nosplit
func cleanDir(out []byte, w int, dir []byte) int {
	base := w
	for i := 0; i < len(dir); {
		for i < len(dir) && dir[i] == '/' {
			i++
		}
		e := i
		for e < len(dir) && dir[e] != '/' {
			e++
		}
		switch elem := dir[i:e]; {
		case len(elem) == 0 || len(elem) == 1 && elem[0] == '.':
		case len(elem) == 2 && elem[0] == '.' && elem[1] == '.':
			for w > base && out[w-1] != '/' {
				w--
			}
			if w > base {
				w--
			}
		default:
			if w+1+len(elem) > len(out) {
				return -1
			}
			out[w] = '/'
			copy(out[w+1:], elem)
			w += 1 + len(elem)
		}
		i = e
	}
	return w
}
