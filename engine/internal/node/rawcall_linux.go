package node

import (
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/proto"
	"github.com/alsh/alsh/engine/internal/wire"
)

// The node makes a runtime-free call (builtins.Call.RuntimeFree) with the
// proto-node's implementation (proto.RawDesc.Plan): the same system call
// on the same arguments, and for credentials on every thread of the node.
// It is a raw syscall, as the proto-node makes it (but for a call that may
// wait long, MayBlock): a Syscall6 lets sysmon
// hand the P to a new thread while the call runs, and a node that has just
// changed uid under a low RLIMIT_NPROC cannot start one (the runtime then
// dies). The node runs two Ps (GOMAXPROCS 2), so its goroutines that move
// bytes go on while a call such as a mount takes its time.

// rawWords lays the call's arguments out as Plan reads them: strings as
// NUL-terminated copies, lists of ids as uint32s; keep holds what the
// words point to.
func rawWords(d *proto.RawDesc, args []any) (w proto.Words, keep [][]byte) {
	w.Given = len(args)
	for i, v := range args {
		switch d.Kinds[i] {
		case proto.ArgInt:
			w.W[i] = uintptr(v.(int64))
		case proto.ArgStr:
			s, ok := v.(string)
			if !ok { // an Any argument in another form: the Go code's (Accepts)
				w.Unfit = true
				continue
			}
			b := append([]byte(s), 0)
			keep = append(keep, b)
			w.W[i], w.N[i] = uintptr(unsafe.Pointer(&b[0])), len(s)
			if strings.IndexByte(s, 0) >= 0 {
				w.Nul |= 1 << i
			}
		case proto.ArgInts:
			l := v.([]any)
			b := make([]byte, 4*len(l)+4)
			for j, e := range l {
				*(*uint32)(unsafe.Pointer(&b[4*j])) = uint32(e.(int64))
			}
			keep = append(keep, b)
			w.W[i], w.N[i] = uintptr(unsafe.Pointer(&b[0])), len(l)
		}
	}
	return w, keep
}

// rawCall makes the call and words its result and error as the proto-node
// does.
func rawCall(d *proto.RawDesc, w *proto.Words, args []any, keep [][]byte) (any, error) {
	if d.Steps() {
		res, err := stepCall(d, w, args)
		runtime.KeepAlive(keep) // the words point into it (landlock's plan, link_up's name)
		return res, err
	}
	if n := d.BufSize(w); n > 0 { // room for its bytes or ids
		b := make([]byte, n)
		keep = append(keep, b)
		w.Buf, w.BufN = uintptr(unsafe.Pointer(&b[0])), n
	}
	if d.NeedsOwnFs(w) {
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			return nil, os.NewSyscallError("unshare CLONE_FS", err)
		}
	}
	trap, a, e := d.Plan(w)
	var r uintptr
	for e == 0 && trap != proto.NoSyscall {
		if d.AllThreads() {
			r, e = allThreads(trap, a, args)
		} else if d.MayBlock() {
			r, _, e = syscall.Syscall6(trap, a[0], a[1], a[2], a[3], a[4], a[5])
		} else {
			r, _, e = syscall.RawSyscall6(trap, a[0], a[1], a[2], a[3], a[4], a[5])
		}
		if e != syscall.EINTR || !d.Retries() {
			break
		}
		e = 0
	}
	var val any
	if e == 0 && d.ReturnsValue() {
		val, e = rawValue(d, w, r)
	}
	runtime.KeepAlive(keep)
	switch {
	case e != 0 && d.PathArg() >= 0:
		return nil, &os.PathError{Op: d.Name, Path: args[d.PathArg()].(string), Err: e}
	case e != 0:
		return nil, os.NewSyscallError(d.ErrOp(), e)
	case d.ReturnsInt():
		return int64(r), nil
	}
	return val, nil
}

// rawValue is the call's result as the proto-node encodes it (the one
// code that makes it), decoded.
func rawValue(d *proto.RawDesc, w *proto.Words, r uintptr) (any, syscall.Errno) {
	out := make([]byte, d.EncodedLen(w, r))
	n := d.Encode(w, r, out)
	if n < 0 {
		return nil, syscall.EMSGSIZE
	}
	v, err := wire.DecodeValue(out[:n])
	if err != nil {
		return nil, syscall.EBADMSG
	}
	return v, 0
}

// allThreads changes credentials on every thread of the node (a thread
// left with the old ids would be a hole). A binary linked with cgo (a race
// build) cannot stop its threads so: package syscall then goes through
// libc's setxid broadcast, with the same arguments.
func allThreads(trap uintptr, a [6]uintptr, args []any) (uintptr, syscall.Errno) {
	r, _, e := syscall.AllThreadsSyscall(trap, a[0], a[1], a[2])
	if e != syscall.ENOTSUP {
		return r, e
	}
	var err error
	switch trap {
	case unix.SYS_SETUID:
		err = syscall.Setuid(int(int32(a[0])))
	case unix.SYS_SETGID:
		err = syscall.Setgid(int(int32(a[0])))
	case unix.SYS_SETRESUID:
		err = syscall.Setresuid(int(int32(a[0])), int(int32(a[1])), int(int32(a[2])))
	case unix.SYS_SETRESGID:
		err = syscall.Setresgid(int(int32(a[0])), int(int32(a[1])), int(int32(a[2])))
	case unix.SYS_SETGROUPS:
		gs := make([]int, 0, len(args))
		for _, g := range args[0].([]any) {
			gs = append(gs, int(g.(int64)))
		}
		err = syscall.Setgroups(gs)
	default:
		return 0, e
	}
	if err != nil {
		return 0, err.(syscall.Errno)
	}
	return 0, 0
}
