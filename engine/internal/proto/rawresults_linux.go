package proto

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/wire"
)

// The runtime-free calls whose result is not an int: the kernel puts bytes
// or ids in the caller's buffer (Words.Buf: a node's slice of BufSize, a
// proto-node's reply buffer itself, so that read's bytes are not copied),
// and Encode writes the result as wire.EncodeValue would (a test checks
// each): a proto-node sends that as its reply, a node decodes it as its
// result. So the value, like the syscall, is made by one code.

// Result kinds (rawImpl.result).
const (
	resBytes  = iota + 1 // a string: getcwd, gethostname, read
	resInts              // a list of ids, sorted: getgroups
	resRlimit            // {cur, max}: getrlimit
	resIds               // {effective, real, saved}: getresuid, getresgid
)

const (
	// MaxRead bounds one read's bytes (as alcove's reply budget does).
	MaxRead = 64 << 10
	// ngroupsMax is the kernel's NGROUPS_MAX: a node's getgroups takes
	// them all.
	ngroupsMax = 65536
	// utsNodename is where uname(2) puts the host name, and its room.
	utsNodename    = unsafe.Offsetof(unix.Utsname{}.Nodename)
	utsNodenameLen = len(unix.Utsname{}.Nodename)
)

// NoSyscall is the trap of a plan that makes no system call: its result
// is in the Words already (a limit the node keeps for its programs).
const NoSyscall = ^uintptr(0)

// BufSize is the room the call's Buf needs (a node allocates it; a
// proto-node boots when its own is smaller).
//
//go:norace
//go:nosplit
func (d *RawDesc) BufSize(w *Words) int {
	switch d.id {
	case rawGetcwd:
		return unix.PathMax
	case rawGethostname:
		return int(unsafe.Sizeof(unix.Utsname{}))
	case rawRead: // count is a size_t: not negative
		return int(min(uint64(w.W[1]), MaxRead))
	case rawGetgroups:
		return 4 * ngroupsMax
	}
	return 0
}

// LimitAsked is getrlimit's resource: the caller answers a limit it keeps
// for its programs (SetKept) instead of the kernel's.
//
//go:norace
//go:nosplit
func (d *RawDesc) LimitAsked(w *Words) (res uintptr, ok bool) {
	return w.W[0], d.id == rawGetrlimit
}

// SetKept makes getrlimit answer {cur, max} without a system call.
//
//go:norace
//go:nosplit
func (w *Words) SetKept(cur, max uint64) {
	w.Lim[0], w.Lim[1], w.Kept = cur, max, true
}

// resultPlan is Plan for the calls with a result: the kernel writes into
// Buf, Lim or Ids.
//
//go:norace
//go:nosplit
func (d *RawDesc) resultPlan(w *Words) (trap uintptr, a [6]uintptr, e syscall.Errno) {
	n := uintptr(min(d.BufSize(w), w.BufN))
	switch d.id {
	case rawGetcwd:
		return unix.SYS_GETCWD, [6]uintptr{w.Buf, n}, 0
	case rawGethostname:
		if n < unsafe.Sizeof(unix.Utsname{}) {
			return 0, a, syscall.EFAULT
		}
		return unix.SYS_UNAME, [6]uintptr{w.Buf}, 0
	case rawRead:
		return unix.SYS_READ, [6]uintptr{w.W[0], w.Buf, n}, 0
	case rawGetgroups:
		return unix.SYS_GETGROUPS, [6]uintptr{uintptr(w.BufN / 4), w.Buf}, 0
	case rawGetrlimit:
		if w.Kept {
			return NoSyscall, a, 0
		}
		return unix.SYS_PRLIMIT64, [6]uintptr{0, w.W[0], 0, uintptr(unsafe.Pointer(&w.Lim[0]))}, 0
	case rawGetresuid:
		return unix.SYS_GETRESUID, idsWords(w), 0
	case rawGetresgid:
		return unix.SYS_GETRESGID, idsWords(w), 0
	}
	return 0, a, syscall.ENOSYS
}

//go:norace
//go:nosplit
func idsWords(w *Words) [6]uintptr {
	return [6]uintptr{uintptr(unsafe.Pointer(&w.Ids[0])), uintptr(unsafe.Pointer(&w.Ids[1])), uintptr(unsafe.Pointer(&w.Ids[2]))}
}

// bufPtr is Buf as a pointer (kept as a uintptr in the Words, see doc.go).
//
//go:norace
//go:nosplit
func bufPtr(w *Words) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&w.Buf))
}

// bytesOf is where a bytes result lies in Buf, given the call's return r.
//
//go:norace
//go:nosplit
func (d *RawDesc) bytesOf(w *Words, r uintptr) (off uintptr, n int) {
	switch d.id {
	case rawGetcwd: // r counts the NUL
		if r == 0 {
			return 0, 0
		}
		return 0, int(r) - 1
	case rawGethostname: // up to its NUL, as the node's Go code read it
		for n < utsNodenameLen && int(utsNodename)+n < w.BufN && *(*byte)(unsafe.Add(bufPtr(w), utsNodename+uintptr(n))) != 0 {
			n++
		}
		return utsNodename, n
	}
	return 0, int(r)
}

// EncodedLen is the length of Encode's value, for a caller that makes
// room for it (a node).
//
//go:norace
//go:nosplit
func (d *RawDesc) EncodedLen(w *Words, r uintptr) int {
	switch d.result {
	case resBytes:
		_, n := d.bytesOf(w, r)
		return 5 + n
	case resInts:
		return 5 + 9*int(r)
	case resRlimit:
		return 5 + 2*(4+3+9)
	case resIds:
		return 5 + (4 + len("effective") + 9) + (4 + len("real") + 9) + (4 + len("saved") + 9)
	}
	return 0
}

// Encode writes the result of a call that returned r into out, in the
// wire's encoding, and returns its length; -1 if out is too small or the
// result does not fit Buf (neither happens: the callers make room).
//
//go:norace
//go:nosplit
func (d *RawDesc) Encode(w *Words, r uintptr, out []byte) int {
	need := d.EncodedLen(w, r)
	if need > len(out) || need < 5 {
		return -1
	}
	switch d.result {
	case resBytes:
		off, n := d.bytesOf(w, r)
		if n < 0 || int(off)+n > w.BufN || n > 0 && w.Buf == 0 {
			return -1
		}
		putTagLen(out, wire.TagString, n)
		if n > 0 { // a memmove: for a proto-node, Buf may be out itself
			copy(out[5:5+n], unsafe.Slice((*byte)(unsafe.Add(bufPtr(w), off)), n))
		}
	case resInts:
		n := int(r)
		if n > w.BufN/4 || n > 0 && w.Buf == 0 {
			return -1
		}
		putTagLen(out, wire.TagList, n)
		if n > 0 {
			ids := unsafe.Slice((*uint32)(bufPtr(w)), n)
			sortIds(ids)
			for i := 0; i < n; i++ {
				putInt(out[5+9*i:], int64(ids[i]))
			}
		}
	case resRlimit:
		putTagLen(out, wire.TagRecord, 2)
		o := putKey(out, 5, "cur")
		putInt(out[o:], int64(w.Lim[0])) // RLIM_INFINITY as -1, which setrlimit takes back
		o = putKey(out, o+9, "max")
		putInt(out[o:], int64(w.Lim[1]))
	case resIds: // as ints, as the node's Go code read them; keys in the wire's order
		putTagLen(out, wire.TagRecord, 3)
		o := putKey(out, 5, "effective")
		putInt(out[o:], int64(int32(w.Ids[1])))
		o = putKey(out, o+9, "real")
		putInt(out[o:], int64(int32(w.Ids[0])))
		o = putKey(out, o+9, "saved")
		putInt(out[o:], int64(int32(w.Ids[2])))
	default:
		return -1
	}
	return need
}

// putTagLen writes a tag and a length (a string's bytes, a list's or a
// record's count); out holds 5 bytes.
//
//go:norace
//go:nosplit
func putTagLen(out []byte, tag byte, n int) {
	out[0] = tag
	putLE32(out[1:5], uint32(n))
}

// putInt writes an int value; out holds 9 bytes.
//
//go:norace
//go:nosplit
func putInt(out []byte, v int64) {
	out[0] = wire.TagInt
	putLE32(out[1:5], uint32(v))
	putLE32(out[5:9], uint32(uint64(v)>>32))
}

// putKey writes a record's key at o and returns where its value goes.
//
//go:norace
//go:nosplit
func putKey(out []byte, o int, key string) int {
	putLE32(out[o:o+4], uint32(len(key)))
	copy(out[o+4:], key)
	return o + 4 + len(key)
}

// sortIds sorts in place (a heapsort: no allocation, no recursion), as
// the node's Go code sorted the groups.
//
//go:norace
//go:nosplit
func sortIds(a []uint32) {
	n := len(a)
	for i := n/2 - 1; i >= 0; i-- {
		siftDown(a, i, n)
	}
	for end := n - 1; end > 0; end-- {
		a[0], a[end] = a[end], a[0]
		siftDown(a, 0, end)
	}
}

//go:norace
//go:nosplit
func siftDown(a []uint32, root, end int) {
	for {
		c := 2*root + 1
		if c >= end || end > len(a) {
			return
		}
		if c+1 < end && a[c+1] > a[c] {
			c++
		}
		if a[root] >= a[c] {
			return
		}
		a[root], a[c] = a[c], a[root]
		root = c
	}
}

// setnsType is the kind of namespace setns joins: its nstype, or when 0
// the kind of the namespace open on the fd (0 if that is no namespace:
// setns then fails).
//
//go:norace
//go:nosplit
func setnsType(w *Words) uintptr {
	if t := optWord(w, 1); t != 0 {
		return t
	}
	t, _, e := syscall.RawSyscall(unix.SYS_IOCTL, w.W[0], unix.NS_GET_NSTYPE, 0)
	if e != 0 {
		return 0
	}
	return t
}

// NeedsOwnFs: setns of a mount namespace (or of any kind, nstype 0) needs
// a thread whose fs struct is its own, which a Go node's threads share:
// the node unshares clone_fs first, as its Go code did. A proto-node's
// is its own already.
//
//go:norace
//go:nosplit
func (d *RawDesc) NeedsOwnFs(w *Words) bool {
	t := optWord(w, 1)
	return d.id == rawSetns && (t == 0 || t&unix.CLONE_NEWNS != 0)
}

// fcntlIntArg: an fcntl command whose argument is an int, not a pointer
// (the kernel would write a proto-node's struct flock into its parent's
// memory, which it shares): the others are left to the node's Go code.
//
//go:norace
//go:nosplit
func fcntlIntArg(cmd uintptr) bool {
	switch cmd {
	case unix.F_DUPFD, unix.F_DUPFD_CLOEXEC, unix.F_GETFD, unix.F_SETFD, unix.F_GETFL, unix.F_SETFL,
		unix.F_GETOWN, unix.F_SETOWN, unix.F_GETSIG, unix.F_SETSIG, unix.F_GETLEASE, unix.F_SETLEASE,
		unix.F_NOTIFY, unix.F_GETPIPE_SZ, unix.F_SETPIPE_SZ, unix.F_GET_SEALS, unix.F_ADD_SEALS:
		return true
	}
	return false
}

// protoResultRoom points the call's Buf at the proto-node's reply (for
// getgroups, at its ids), fills a limit its node keeps for programs, and
// says whether the result fits; else the proto-node boots.
//
//go:norace
//go:nosplit
func protoResultRoom(ps *State, desc *RawDesc) bool {
	w := &ps.words
	if desc.result == 0 {
		return true
	}
	if desc.result == resInts {
		w.Buf, w.BufN = uintptr(unsafe.Pointer(&ps.ints[0])), 4*len(ps.ints)
		n, _, e := syscall.RawSyscall(unix.SYS_GETGROUPS, 0, 0, 0)
		return e != 0 || int(n) <= len(ps.ints) && 5+9*int(n) <= len(ps.out)-wire.HeaderLen
	}
	w.Buf, w.BufN = uintptr(unsafe.Pointer(&ps.out[wire.HeaderLen+5])), len(ps.out)-wire.HeaderLen-5
	if res, ok := desc.LimitAsked(w); ok {
		for i := 0; i < ps.nExecLims && i < MaxExecLimits; i++ {
			if ps.execLims[i].Resource == res {
				w.SetKept(ps.execLims[i].Lim.Cur, ps.execLims[i].Lim.Max)
			}
		}
	}
	return desc.BufSize(w) <= w.BufN
}

// protoReplyValue sends the value Encode wrote after the reply's header.
//
//go:norace
//go:nosplit
func protoReplyValue(ps *State, id uint32, n int) {
	if n < 0 || n > len(ps.out)-wire.HeaderLen {
		protoReplyErr(ps, id, syscall.EMSGSIZE, "reply", nil, 0) // cannot happen: protoResultRoom made room
		return
	}
	b := ps.out[:wire.HeaderLen+n]
	b[0], b[1], b[2], b[3] = wire.MsgReply, 0, 0, 0
	putLE32(b[4:], id)
	protoSend(b)
}
