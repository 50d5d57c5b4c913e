package proto

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/wire"
)

// The runtime-free calls: each call of the table marked RuntimeFree is
// implemented here once, as the system call it makes (plan), in the style
// of this package's rules. A proto-node serves them itself (protoRaw); a
// node makes the same plan on its locked thread (the node's rawcall).

// Words are a runtime-free call's arguments as plan reads them.
type Words struct {
	W     [maxRawArgs]uintptr // an integer, or a string's or a list's address
	N     [maxRawArgs]int     // a string's length, a list's count
	Off   [maxRawArgs]int     // in a proto-node: a string's offset in the message (for errors)
	Nul   uint8               // bit i: string i holds a NUL, which a C string cannot
	Given int                 // how many arguments were given (optional ones may be missing)
	Attr  unix.MountAttr      // mount_setattr's, which Plan fills
	Fprog sockFprog           // seccomp's, which Plan fills
	LL    llScratch           // landlock's structs (rawlandlock_linux.go)
	Link  linkScratch         // link_up's and link_down's ifreq (rawlink_linux.go)
	Unfit bool                // an argument is not of the kind the runtime-free code takes (seccomp's prog as a list)
	// A call with a result other than an int (rawresults_linux.go):
	Buf  uintptr   // where the kernel puts its bytes or ids: a node's slice of BufSize, a proto-node's reply buffer
	BufN int       // Buf's room
	Lim  [2]uint64 // getrlimit's {cur, max}
	Kept bool      // Lim holds a limit the node keeps for its programs (SetKept): no syscall
	Ids  [3]uint32 // getresuid's and getresgid's {real, effective, saved}
}

const (
	maxRawArgs = 6
	// maxRawInts: a longer list (setgroups) makes the proto-node boot.
	maxRawInts = 256
)

// Argument kinds of a runtime-free call.
const (
	ArgInt = iota + 1
	ArgStr
	ArgInts // gid_t values, as uint32
)

// rawImpl says how a runtime-free call is made: id selects its plan;
// pathArg names the argument an error reports as its path (-1: none);
// cstrs are the arguments passed as C strings; allThreads calls change
// credentials, which a node changes on each of its threads; uidChange
// calls may leave a later boot without room under RLIMIT_NPROC; returnsInt
// says whether the call returns its syscall's value, result what else it
// returns (rawresults_linux.go); fdArg: its first argument is an fd.
type rawImpl struct {
	id                                uint8
	pathArg                           int8
	cstrs                             uint8
	allThreads, uidChange, returnsInt bool
	result                            uint8
	fdArg                             bool
	op                                string // the name its errors give, when not the call's (gethostname's uname)
	// mayBlock: the call can wait long (open of a FIFO): a node makes it
	// as a Syscall, so that its runtime (a collection's stop) does not
	// wait for it.
	mayBlock bool
	// anyStr: the arguments of kind Any taken here as strings (bytes);
	// given another value, the call is left to the node's Go code.
	anyStr uint8
}

const (
	rawGetpid = iota + 1
	rawGetppid
	rawGetuid
	rawGeteuid
	rawGetgid
	rawGetegid
	rawSetsid
	rawSetpgid
	rawKill
	rawSetuid
	rawSetgid
	rawSetresuid
	rawSetresgid
	rawSetgroups
	rawChroot
	rawChdir
	rawMkdir
	rawRmdir
	rawUnlink
	rawLink
	rawSymlink
	rawChmod
	rawChown
	rawMkfifo
	rawMknod
	rawMount
	rawUmount
	rawUmount2
	rawPivotRoot
	rawSethostname
	rawUnshare
	rawClose
	rawNoNewPrivs
	rawOpen
	rawMountSetattr
	rawLseek
	rawFcntl
	rawWrite
	rawSetns
	rawGetcwd
	rawGethostname
	rawRead
	rawGetrlimit
	rawGetresuid
	rawGetresgid
	rawGetgroups
)

// rawImplOf is the runtime-free implementation of the call name: the one
// list, which builtins' RuntimeFree marks must match (the engine's tests).
// A switch, not a map: a map literal was built in the package's
// initialiser, at every node's start.
func rawImplOf(name string) (rawImpl, bool) {
	switch name {
	case "getpid":
		return rawImpl{id: rawGetpid, pathArg: -1, returnsInt: true}, true
	case "getppid":
		return rawImpl{id: rawGetppid, pathArg: -1, returnsInt: true}, true
	case "getuid":
		return rawImpl{id: rawGetuid, pathArg: -1, returnsInt: true}, true
	case "geteuid":
		return rawImpl{id: rawGeteuid, pathArg: -1, returnsInt: true}, true
	case "getgid":
		return rawImpl{id: rawGetgid, pathArg: -1, returnsInt: true}, true
	case "getegid":
		return rawImpl{id: rawGetegid, pathArg: -1, returnsInt: true}, true
	case "setsid":
		return rawImpl{id: rawSetsid, pathArg: -1, returnsInt: true}, true
	case "setpgid":
		return rawImpl{id: rawSetpgid, pathArg: -1}, true
	case "kill":
		return rawImpl{id: rawKill, pathArg: -1}, true
	case "setuid":
		return rawImpl{id: rawSetuid, pathArg: -1, allThreads: true, uidChange: true}, true
	case "setgid":
		return rawImpl{id: rawSetgid, pathArg: -1, allThreads: true, uidChange: true}, true
	case "setresuid":
		return rawImpl{id: rawSetresuid, pathArg: -1, allThreads: true, uidChange: true}, true
	case "setresgid":
		return rawImpl{id: rawSetresgid, pathArg: -1, allThreads: true, uidChange: true}, true
	case "setgroups":
		return rawImpl{id: rawSetgroups, pathArg: -1, allThreads: true}, true
	case "chroot":
		return rawImpl{id: rawChroot, cstrs: 1}, true
	case "chdir":
		return rawImpl{id: rawChdir, cstrs: 1}, true
	case "mkdir":
		return rawImpl{id: rawMkdir, cstrs: 1}, true
	case "rmdir":
		return rawImpl{id: rawRmdir, cstrs: 1}, true
	case "unlink":
		return rawImpl{id: rawUnlink, cstrs: 1}, true
	case "link": // errors name the path created
		return rawImpl{id: rawLink, pathArg: 1, cstrs: 3}, true
	case "symlink":
		return rawImpl{id: rawSymlink, pathArg: 1, cstrs: 3}, true
	case "chmod":
		return rawImpl{id: rawChmod, cstrs: 1}, true
	case "chown":
		return rawImpl{id: rawChown, cstrs: 1}, true
	case "mkfifo":
		return rawImpl{id: rawMkfifo, cstrs: 1}, true
	case "mknod":
		return rawImpl{id: rawMknod, cstrs: 1}, true
	case "mount":
		return rawImpl{id: rawMount, pathArg: 1, cstrs: 1<<0 | 1<<1 | 1<<2 | 1<<4}, true
	case "umount":
		return rawImpl{id: rawUmount, cstrs: 1}, true
	case "umount2":
		return rawImpl{id: rawUmount2, cstrs: 1}, true
	case "pivot_root":
		return rawImpl{id: rawPivotRoot, cstrs: 3}, true
	case "sethostname":
		return rawImpl{id: rawSethostname, pathArg: -1}, true
	case "unshare":
		return rawImpl{id: rawUnshare, pathArg: -1}, true
	case "close":
		return rawImpl{id: rawClose, pathArg: -1, fdArg: true}, true
	case "no_new_privs":
		return rawImpl{id: rawNoNewPrivs, pathArg: -1}, true
	case "open":
		return rawImpl{id: rawOpen, cstrs: 1, returnsInt: true, mayBlock: true}, true
	case "mount_setattr":
		return rawImpl{id: rawMountSetattr, cstrs: 1}, true
	case "lseek":
		return rawImpl{id: rawLseek, pathArg: -1, returnsInt: true, fdArg: true}, true
	case "fcntl": // of an int argument (fcntlIntArg)
		return rawImpl{id: rawFcntl, pathArg: -1, returnsInt: true, fdArg: true}, true
	case "write":
		return rawImpl{id: rawWrite, pathArg: -1, returnsInt: true, fdArg: true, mayBlock: true}, true
	case "setns":
		return rawImpl{id: rawSetns, pathArg: -1, fdArg: true}, true
	// calls with other results (rawresults_linux.go)
	case "getcwd":
		return rawImpl{id: rawGetcwd, pathArg: -1, result: resBytes}, true
	case "gethostname":
		return rawImpl{id: rawGethostname, pathArg: -1, result: resBytes, op: "uname"}, true
	case "read":
		return rawImpl{id: rawRead, pathArg: -1, result: resBytes, fdArg: true, mayBlock: true}, true
	case "getrlimit":
		return rawImpl{id: rawGetrlimit, pathArg: -1, result: resRlimit}, true
	case "getresuid":
		return rawImpl{id: rawGetresuid, pathArg: -1, result: resIds}, true
	case "getresgid":
		return rawImpl{id: rawGetresgid, pathArg: -1, result: resIds}, true
	case "getgroups":
		return rawImpl{id: rawGetgroups, pathArg: -1, result: resInts}, true
	// capabilities (rawcaps_linux.go)
	case "capbset_drop":
		return rawImpl{id: rawCapbsetDrop, pathArg: -1}, true
	case "capbset_keep":
		return rawImpl{id: rawCapbsetKeep, pathArg: -1}, true
	case "ambient_raise":
		return rawImpl{id: rawAmbientRaise, pathArg: -1}, true
	case "ambient_lower":
		return rawImpl{id: rawAmbientLower, pathArg: -1}, true
	case "ambient_clear":
		return rawImpl{id: rawAmbientClear, pathArg: -1}, true
	case "securebits_set":
		return rawImpl{id: rawSecurebitsSet, pathArg: -1}, true
	// seccomp with a program as bytes (rawseccomp_linux.go)
	case "seccomp":
		return rawImpl{id: rawSeccomp, pathArg: -1, anyStr: 1 << seccompProg}, true
	case "seccomp_load":
		return rawImpl{id: rawSeccompLoad, pathArg: -1, anyStr: 1}, true
	// landlock of a plan the engine settled (rawlandlock_linux.go)
	case "landlock":
		return rawImpl{id: rawLandlock, pathArg: -1, anyStr: 1}, true
	// an interface's IFF_UP (rawlink_linux.go)
	case "link_up":
		return rawImpl{id: rawLinkUp, pathArg: -1}, true
	case "link_down":
		return rawImpl{id: rawLinkDown, pathArg: -1}, true
	}
	return rawImpl{}, false
}

// RawDesc is what a node and a proto-node need to decode and make one
// runtime-free call, built from the call table at start (read-only after).
type RawDesc struct {
	rawImpl
	Name            string
	NArgs, Optional int
	Kinds           [maxRawArgs]uint8
	Min, Max        [maxRawArgs]int64
}

// PathArg is the argument an error names as its path, or -1.
func (d *RawDesc) PathArg() int { return int(d.pathArg) }

// AllThreads: a node makes this call on every thread (credentials).
func (d *RawDesc) AllThreads() bool { return d.allThreads }

// MayBlock: a node makes the call as a Syscall (see rawImpl).
func (d *RawDesc) MayBlock() bool { return d.mayBlock }

// ReturnsInt: the call's result is its syscall's return value.
func (d *RawDesc) ReturnsInt() bool { return d.returnsInt }

// ReturnsValue: the call's result is Encode's (bytes, ids, a record).
func (d *RawDesc) ReturnsValue() bool { return d.result != 0 }

// ErrOp is the name the call's errors give.
//
//go:norace
//go:nosplit
func (d *RawDesc) ErrOp() string {
	if d.op != "" {
		return d.op
	}
	return d.Name
}

// rawDescs holds the runtime-free calls' descriptions, and rawSlot where
// each call number's is (0: rawDescs[0], empty, id 0: not one). Compact,
// and the binary's zeroed data: by call number, they were a heap array
// of 48 KiB, 20 KiB of it written, in every node.
var (
	rawDescs [maxRawCalls]RawDesc
	rawSlot  [protoOps]uint8
)

// maxRawCalls bounds the runtime-free calls, slot 0 included: a power of
// two, so that rawDescOf's index needs no bounds check.
const maxRawCalls = 128

func init() { buildRawDescs() }

func buildRawDescs() {
	next := 1
	for nr := range builtins.Table {
		c := &builtins.Table[nr]
		impl, ok := rawImplOf(c.Name)
		if !ok || nr >= protoOps || len(c.Args) > maxRawArgs {
			continue
		}
		d := RawDesc{rawImpl: impl, Name: c.Name, NArgs: len(c.Args), Optional: c.Optional}
		for i, a := range c.Args {
			switch a.Kind {
			case builtins.Int, builtins.Flags:
				d.Kinds[i] = ArgInt
				d.Min[i], d.Max[i] = builtins.CRange(a)
			case builtins.Str:
				d.Kinds[i] = ArgStr
			case builtins.Ints:
				d.Kinds[i] = ArgInts
				d.Min[i], d.Max[i] = builtins.CRange(a)
			case builtins.Any:
				if impl.anyStr&(1<<i) != 0 {
					d.Kinds[i] = ArgStr
				}
			} // else 0: an argument that, given, leaves the call to the node (unshare's maps)
		}
		if next == maxRawCalls {
			panic("proto: more runtime-free calls than maxRawCalls holds")
		}
		rawDescs[next], rawSlot[nr] = d, uint8(next)
		next++
	}
}

// rawDescOf is the description of call number nr (empty, id 0, for a call
// that is not runtime-free).
//
//go:norace
//go:nosplit
func rawDescOf(nr int) *RawDesc {
	return &rawDescs[rawSlot[nr&(protoOps-1)]&(maxRawCalls-1)]
}

// Raw returns the runtime-free description of call number nr.
func Raw(nr int) (*RawDesc, bool) {
	if nr < 0 || nr >= protoOps || rawDescOf(nr).id == 0 {
		return nil, false
	}
	return rawDescOf(nr), true
}

// RawNames are the calls implemented runtime-free, for the tests that
// check the table's marks against them.
func RawNames() []string {
	var names []string
	for nr := range builtins.Table {
		if name := builtins.Table[nr].Name; isRawImpl(name) {
			names = append(names, name)
		}
	}
	return names
}

// isRawImpl says whether the call name has a runtime-free implementation.
func isRawImpl(name string) bool {
	_, ok := rawImplOf(name)
	return ok
}

// Accepts says whether the runtime-free implementation makes this call
// with these arguments; else the node's Go implementation does (unshare
// of a user namespace, which re-executes the node).
//
//go:norace
//go:nosplit
func (d *RawDesc) Accepts(w *Words) bool {
	if w.Unfit {
		return false
	}
	for i := 0; i < w.Given && i < maxRawArgs; i++ {
		if d.Kinds[i] == 0 {
			return false
		}
	}
	if d.id == rawUnshare {
		return w.W[0]&unix.CLONE_NEWUSER == 0
	}
	if d.id == rawSeccomp {
		return seccompFits(w)
	}
	if d.id == rawLandlock {
		return landlockFits(w)
	}
	if d.id == rawSetns { // a user namespace: the node's refusal (a Go node is multithreaded)
		return setnsType(w)&unix.CLONE_NEWUSER == 0
	}
	if d.id == rawFcntl {
		return fcntlIntArg(w.W[1])
	}
	if d.id == rawSeccompLoad {
		return seccompPlanFits(w)
	}
	if d.id == rawLinkUp || d.id == rawLinkDown {
		return linkNameFits(w)
	}
	return true
}

// Plan is the implementation of a runtime-free call: the system call it
// makes and its arguments. ok false: it fails with errno e before any
// syscall (a C string holding a NUL).
//
//go:norace
//go:nosplit
func (d *RawDesc) Plan(w *Words) (trap uintptr, a [6]uintptr, e syscall.Errno) {
	if w.Nul&d.cstrs != 0 {
		return 0, a, syscall.EINVAL
	}
	x := &w.W
	switch d.id {
	case rawGetpid:
		return unix.SYS_GETPID, a, 0
	case rawGetppid:
		return unix.SYS_GETPPID, a, 0
	case rawGetuid:
		return unix.SYS_GETUID, a, 0
	case rawGeteuid:
		return unix.SYS_GETEUID, a, 0
	case rawGetgid:
		return unix.SYS_GETGID, a, 0
	case rawGetegid:
		return unix.SYS_GETEGID, a, 0
	case rawSetsid:
		return unix.SYS_SETSID, a, 0
	case rawSetpgid:
		return unix.SYS_SETPGID, [6]uintptr{x[0], x[1]}, 0
	case rawKill:
		return unix.SYS_KILL, [6]uintptr{x[0], x[1]}, 0
	case rawSetuid:
		return unix.SYS_SETUID, [6]uintptr{x[0]}, 0
	case rawSetgid:
		return unix.SYS_SETGID, [6]uintptr{x[0]}, 0
	case rawSetresuid:
		return unix.SYS_SETRESUID, [6]uintptr{x[0], x[1], x[2]}, 0
	case rawSetresgid:
		return unix.SYS_SETRESGID, [6]uintptr{x[0], x[1], x[2]}, 0
	case rawSetgroups:
		return unix.SYS_SETGROUPS, [6]uintptr{uintptr(w.N[0]), x[0]}, 0
	case rawChroot:
		return unix.SYS_CHROOT, [6]uintptr{x[0]}, 0
	case rawChdir:
		return unix.SYS_CHDIR, [6]uintptr{x[0]}, 0
	case rawMkdir:
		return unix.SYS_MKDIRAT, [6]uintptr{atFdcwd, x[0], x[1]}, 0
	case rawRmdir:
		return unix.SYS_UNLINKAT, [6]uintptr{atFdcwd, x[0], unix.AT_REMOVEDIR}, 0
	case rawUnlink:
		return unix.SYS_UNLINKAT, [6]uintptr{atFdcwd, x[0], 0}, 0
	case rawLink:
		return unix.SYS_LINKAT, [6]uintptr{atFdcwd, x[0], atFdcwd, x[1], 0}, 0
	case rawSymlink:
		return unix.SYS_SYMLINKAT, [6]uintptr{x[0], atFdcwd, x[1]}, 0
	case rawChmod:
		return unix.SYS_FCHMODAT, [6]uintptr{atFdcwd, x[0], x[1]}, 0
	case rawChown:
		return unix.SYS_FCHOWNAT, [6]uintptr{atFdcwd, x[0], x[1], x[2], 0}, 0
	case rawMkfifo:
		return unix.SYS_MKNODAT, [6]uintptr{atFdcwd, x[0], x[1] | unix.S_IFIFO, 0}, 0
	case rawMknod:
		return unix.SYS_MKNODAT, [6]uintptr{atFdcwd, x[0], x[1], x[2]}, 0
	case rawMount: // NULL for an empty source, fstype or data, as alcove does
		return unix.SYS_MOUNT, [6]uintptr{orNull(w, 0), x[1], orNull(w, 2), x[3], orNull(w, 4)}, 0
	case rawUmount:
		return unix.SYS_UMOUNT2, [6]uintptr{x[0], 0}, 0
	case rawUmount2:
		return unix.SYS_UMOUNT2, [6]uintptr{x[0], x[1]}, 0
	case rawPivotRoot:
		return unix.SYS_PIVOT_ROOT, [6]uintptr{x[0], x[1]}, 0
	case rawSethostname:
		return unix.SYS_SETHOSTNAME, [6]uintptr{x[0], uintptr(w.N[0])}, 0
	case rawUnshare:
		return unix.SYS_UNSHARE, [6]uintptr{x[0]}, 0
	case rawClose:
		return unix.SYS_CLOSE, [6]uintptr{x[0]}, 0
	case rawNoNewPrivs:
		return unix.SYS_PRCTL, [6]uintptr{unix.PR_SET_NO_NEW_PRIVS, 1}, 0
	case rawOpen: // mode 0 when not given
		mode := uintptr(0)
		if w.Given > 2 {
			mode = x[2]
		}
		return unix.SYS_OPENAT, [6]uintptr{atFdcwd, x[0], x[1] | unix.O_LARGEFILE, mode}, 0
	case rawSeccomp:
		trap, a := seccompPlan(w)
		return trap, a, 0
	case rawSeccompLoad:
		trap, a := seccompLoadPlan(w)
		return trap, a, 0
	case rawMountSetattr:
		w.Attr = unix.MountAttr{Attr_set: uint64(x[2]), Attr_clr: uint64(x[3])}
		return unix.SYS_MOUNT_SETATTR, [6]uintptr{atFdcwd, x[0], x[1], uintptr(unsafe.Pointer(&w.Attr)), unsafe.Sizeof(w.Attr)}, 0
	case rawLseek:
		return unix.SYS_LSEEK, [6]uintptr{x[0], x[1], x[2]}, 0
	case rawFcntl: // arg 0 when not given
		return unix.SYS_FCNTL, [6]uintptr{x[0], x[1], optWord(w, 2)}, 0
	case rawWrite:
		return unix.SYS_WRITE, [6]uintptr{x[0], x[1], uintptr(w.N[1])}, 0
	case rawSetns:
		return unix.SYS_SETNS, [6]uintptr{x[0], optWord(w, 1)}, 0
	}
	if d.result != 0 {
		return d.resultPlan(w)
	}
	return 0, a, syscall.ENOSYS
}

// orNull is string argument i, or NULL when it is empty or not given.
//
//go:norace
//go:nosplit
func orNull(w *Words, i int) uintptr {
	if i >= w.Given || w.N[i] == 0 {
		return 0
	}
	return w.W[i]
}

// optWord is integer argument i, or 0 when it is not given.
//
//go:norace
//go:nosplit
func optWord(w *Words, i int) uintptr {
	if i >= w.Given || i >= maxRawArgs {
		return 0
	}
	return w.W[i]
}

// Retries says whether the call is made again after EINTR: every one but
// close, whose fd is gone after EINTR on Linux.
//
//go:norace
//go:nosplit
func (d *RawDesc) Retries() bool { return d.id != rawClose }

// Make makes the call on the calling thread, as a proto-node (one
// thread) does.
//
//go:norace
//go:nosplit
func (d *RawDesc) Make(w *Words) (uintptr, syscall.Errno) {
	trap, a, e := d.Plan(w)
	if e != 0 || trap == NoSyscall {
		return 0, e
	}
	for {
		r, _, e := syscall.RawSyscall6(trap, a[0], a[1], a[2], a[3], a[4], a[5])
		if e != syscall.EINTR || !d.Retries() {
			return r, e
		}
	}
}

// protoRaw serves a runtime-free call: its arguments decoded as the node
// checks them (a kind or a range the node would refuse, or anything Accepts
// leaves to the node, makes the proto-node boot), then Make.
//
//go:norace
//go:nosplit
func protoRaw(ps *State, d *protoDec, id uint32, desc *RawDesc) bool {
	if !protoRawArgs(ps, d, desc) || !desc.Accepts(&ps.words) {
		return false
	}
	if !protoBootKeeps(desc, &ps.words) || desc.uidChange && !protoNprocRoomy(ps) || !protoResultRoom(ps, desc) {
		return false
	}
	if desc.id == rawLandlock { // not through protoStepsDone: its stack is deep
		if landlockRun(&ps.words).Errno != 0 {
			return false
		}
	} else if desc.Steps() && !protoStepsDone(ps, desc) {
		return false
	}
	if desc.fdArg && ps.words.W[0] == uintptr(ps.polls[2].fd) {
		return false // its own signalfd, which the node does not have
	}
	protoConsume()
	if desc.uidChange || desc.id == rawSeccomp || desc.id == rawSeccompLoad { // may take cap_setpcap or prctl away
		protoApplyCapDrop(ps)
	}
	if desc.Steps() { // made: ok
		protoReplyErr(ps, id, 0, desc.Name, nil, 0)
		return true
	}
	r, e := desc.Make(&ps.words)
	switch {
	case e == 0 && desc.returnsInt:
		protoReplyInt(ps, id, int64(r))
	case e == 0 && desc.result != 0:
		protoReplyValue(ps, id, desc.Encode(&ps.words, r, ps.out[wire.HeaderLen:]))
	case e != 0 && desc.pathArg >= 0:
		i := int(desc.pathArg)
		off, n := ps.words.Off[i], ps.words.N[i]
		protoReplyErr(ps, id, e, desc.Name, &ps.buf[off], n)
	default:
		protoReplyErr(ps, id, e, desc.ErrOp(), nil, 0)
	}
	return true
}

// protoBootKeeps: the call's effect would survive a later boot (an exec
// of the node binary) as the node would keep it; else the proto-node
// boots first and the node makes it. An exec sets the saved ids to the
// effective ones, so setresuid and setresgid are served here only with
// saved equal to effective; and after unshare clone_newpid the node's
// first child must be pid 1 of the namespace, which the node's start
// could spend (setns of a pid namespace is left to the node alike); a
// file opened or made close-on-exec would not survive the boot.
//
//go:norace
//go:nosplit
func protoBootKeeps(desc *RawDesc, w *Words) bool {
	switch desc.id {
	case rawSetresuid, rawSetresgid:
		return w.W[1] == w.W[2] && int64(w.W[1]) >= 0
	case rawUnshare:
		return w.W[0]&unix.CLONE_NEWPID == 0
	case rawOpen: // the boot's exec would close it
		return w.W[1]&unix.O_CLOEXEC == 0
	case rawFcntl:
		return w.W[1] != unix.F_DUPFD_CLOEXEC && (w.W[1] != unix.F_SETFD || optWord(w, 2)&unix.FD_CLOEXEC == 0)
	case rawSetns:
		return setnsType(w)&unix.CLONE_NEWPID == 0
	}
	return true
}

// protoNprocRoomy: under a low RLIMIT_NPROC, an id change could keep a
// later boot from starting its threads (they count against the new uid's
// limit), so the node makes it then.
//
//go:norace
//go:nosplit
func protoNprocRoomy(ps *State) bool {
	syscall.RawSyscall6(unix.SYS_PRLIMIT64, 0, unix.RLIMIT_NPROC, 0, uintptr(unsafe.Pointer(&ps.lim[0])), 0, 0)
	return ps.lim[0] >= protoMinNproc
}

// protoRawArgs decodes the arguments into ps.words: strings in place,
// NUL-terminated; lists of ids into ps.ints.
//
//go:norace
//go:nosplit
func protoRawArgs(ps *State, d *protoDec, desc *RawDesc) bool {
	l := d.list(-1)
	if !d.ok || l < desc.NArgs-desc.Optional || l > desc.NArgs || l > maxRawArgs {
		return false
	}
	w := &ps.words
	*w = Words{Given: l}
	for i := 0; i < l && d.ok; i++ {
		switch desc.Kinds[i] {
		case ArgInt:
			v := d.int64()
			if v < desc.Min[i] || v > desc.Max[i] {
				return false
			}
			w.W[i] = uintptr(v)
		case ArgStr:
			off, n, nul := d.str()
			w.W[i], w.N[i], w.Off[i] = uintptr(unsafe.Pointer(&d.b[off])), n, off
			if nul {
				w.Nul |= 1 << i
			}
		case ArgInts:
			n := d.list(-1)
			if n > len(ps.ints) {
				return false
			}
			for j := 0; j < n && d.ok; j++ {
				v := d.int64()
				if v < desc.Min[i] || v > desc.Max[i] {
					return false
				}
				ps.ints[j] = uint32(v)
			}
			w.W[i], w.N[i] = uintptr(unsafe.Pointer(&ps.ints[0])), n
		default:
			return false
		}
	}
	return d.end()
}
