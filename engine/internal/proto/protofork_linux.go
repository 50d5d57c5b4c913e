package proto

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/wire"
)

// A proto-node forks (fork, and clone with namespace flags, a user
// namespace and its maps included) without booting: its child is a copy
// of it (clone3 without CLONE_VM: the proto-node shares its own parent's
// memory, which no second proto-node may use as its own), which starts
// as a new proto-node at the top of its copy of the stack. So a
// sandbox's pid 1 (alsh box) starts the program's process, and the root
// proto-node the sandbox, with no Go runtime started on the way. The
// proto-node writes a user namespace's maps as the node does
// (writeIDMaps), reaps its children and sends their events, as a node;
// at its boot it hands them to its node (the adopt= word of its argv:
// pid and lifeline fd). More than maxProtoKids children, clone_newtime,
// a plumbing failure, or the root's second fork (rootForked) make it
// boot, the node then making the fork (and wording the error).

// maxProtoKids is how many live children a proto-node keeps itself.
const maxProtoKids = 8

// adoptSlot is one child in the adopt= word: "PPPPPPPPPP:FFFFFFFFFF,"
// (pid and lifeline fd, 10 digits each).
const adoptSlot = 22

// AdoptWord is the argv word a proto-node fills at its boot with the
// children it forked: a slot of adoptSlot zeros for each of
// maxProtoKids (TestAdoptWordHasASlotPerKid). A constant, which a node's
// start does not build.
const AdoptWord = "adopt=" + adoptZeros + adoptZeros + adoptZeros + adoptZeros +
	adoptZeros + adoptZeros + adoptZeros + adoptZeros

const adoptZeros = "0000000000:0000000000,"

// DepthDigits is the width of the depth= word's number, which a
// proto-node's child raises by one in place.
const DepthDigits = 10

type protoKid struct{ pid, lifeW int32 }

// forkPlumbing is one fork's fds: pairs of the parent's end (even
// index) and the child's (odd) of the control socket, stdin, stdout,
// stderr and lifeline, and the bell both hold. (pipe2 gives the read end
// first: protoPlumb swaps stdin's and the lifeline's, whose child reads.)
type forkPlumbing struct {
	fd   [2 * plumbPairs]int32
	bell int32
}

const (
	plumbCtl = 2 * iota
	plumbStdin
	plumbStdout
	plumbStderr
	plumbLife
	plumbPairs = iota
)

// fdReply is a reply message with fds (SCM_RIGHTS), in the kernel's
// layout, its addresses kept as uintptr (the child writes no pointers).
type fdReply struct {
	hdr struct {
		name       uintptr
		namelen    uint32
		_          uint32
		iov        uintptr
		iovlen     uint64
		control    uintptr
		controllen uint64
		flags      int32
		_          int32
	}
	iov  struct{ base, len uint64 }
	cmsg [unix.SizeofCmsghdr + 24]byte // CMSG_SPACE of five fds
}

// protoFork serves fork ([]) and clone ([flags], [flags maps]) whose
// arguments protoForkArgs read. false: boot. (protoServe calls the two
// apart: nosplit frames stay small.)
//
//go:norace
//go:nosplit
//go:noinline
func protoFork(ps *State, id uint32, flags int64) bool {
	if !protoForkReady(ps) {
		return false
	}
	protoConsume()
	ps.forkDue, ps.forkID, ps.forkFlags = true, id, flags // made by protoMain (protoReapOrBoot): the stack is short here
	return true
}

// protoForkArgs reads fork's or clone's arguments: what the proto-node
// serves, else false.
//
//go:norace
//go:nosplit
//go:noinline
func protoForkArgs(ps *State, d *protoDec, clone bool) (int64, bool) {
	var flags int64
	ps.maps.given = false
	if clone {
		n := d.list(-1)
		flags = d.int64()
		if n == 2 {
			protoMapsArg(d, &ps.maps)
		} else if n != 1 {
			d.ok = false
		}
	} else {
		d.list(0)
	}
	allowed := int64(CloneFlags&^(unix.CLONE_CLEAR_SIGHAND|unix.CLONE_NEWTIME)) | unix.CLONE_NEWUSER
	return flags, haveCloneVM && ps.depth != nil && ps.caught&(1<<(unix.SIGCHLD-1)) != 0 && d.end() &&
		flags&^allowed == 0 && (!ps.maps.given || flags&unix.CLONE_NEWUSER != 0)
}

// protoForkReady: room for a child, and its fds made (and, with maps,
// the pipe the child waits on while they are written).
//
//go:norace
//go:nosplit
//go:noinline
func protoForkReady(ps *State) bool {
	if !protoCanFork(ps) || !protoPlumb(&ps.plumb) {
		return false
	}
	if ps.maps.given {
		if _, _, e := syscall.RawSyscall6(unix.SYS_PIPE2, uintptr(unsafe.Pointer(&ps.maps.sync[0])), unix.O_CLOEXEC, 0, 0, 0, 0); e != 0 {
			protoUnplumb(&ps.plumb)
			return false
		}
	}
	return true
}

// protoForkNow forks with the plumbing made, and answers.
//
//go:norace
//go:nosplit
//go:noinline
func protoForkNow(ps *State, id uint32, flags int64) {
	pid, e := protoClone(ps, flags)
	pl := &ps.plumb
	for i := 1; i < len(pl.fd); i += 2 {
		closeFd(pl.fd[i])
	}
	if e != 0 && ps.maps.given {
		closeFd(ps.maps.sync[0])
		closeFd(ps.maps.sync[1])
	}
	if e == 0 && ps.maps.given {
		if me, op, n := protoWriteMaps(ps, int(pid)); me != 0 {
			protoReplyErr(ps, id, me, op, &ps.cand[0], n)
			e = syscall.ECHILD // answered: only the fds to close
		}
	}
	if e != 0 {
		for i := 0; i < len(pl.fd); i += 2 {
			closeFd(pl.fd[i])
		}
		closeFd(pl.bell)
		if e != syscall.ECHILD {
			op := "fork"
			if flags != 0 {
				op = "clone"
			}
			protoReplyErr(ps, id, e, op, nil, 0)
		}
		return
	}
	ps.kids[ps.nkids] = protoKid{pid: int32(pid), lifeW: pl.fd[plumbLife]}
	ps.nkids++
	ps.rootForked = ps.root
	protoReplyFds(ps, id, int64(pid))
	for i := 0; i < plumbLife; i += 2 {
		closeFd(pl.fd[i])
	}
	closeFd(pl.bell)
}

// protoClone starts the child (cloneVM without CLONE_VM: a copy, on the
// copy of ps.stack, which it starts from the top, at protoMain).
//
//go:norace
//go:nosplit
func protoClone(ps *State, flags int64) (uintptr, syscall.Errno) {
	pl := &ps.plumb
	s := &ps.kidSpawn
	s.Fds = [NSpawnFds]int{int(pl.fd[plumbStdin+1]), int(pl.fd[plumbStdout+1]), int(pl.fd[plumbStderr+1]),
		int(pl.fd[plumbCtl+1]), int(pl.fd[plumbLife+1]), FdExe, int(pl.bell)}
	s.ErrPipe, s.SyncR, s.SyncW, s.Uid, s.Gid = -1, -1, -1, -1, -1
	if ps.maps.given {
		s.SyncR, s.SyncW, s.Uid, s.Gid = int(ps.maps.sync[0]), int(ps.maps.sync[1]), ps.maps.firstUid, ps.maps.firstGid
	}
	s.Flags, s.Pdeathsig = uintptr(flags), uintptr(unix.SIGKILL)
	cl3 := &ps.cl3
	*cl3 = cloneArgs{flags: uint64(flags), exitSignal: uint64(syscall.SIGCHLD),
		stack: uint64(uintptr(unsafe.Pointer(&ps.stack[0]))), stackSize: uint64(len(ps.stack))}
	ppid, _, _ := syscall.RawSyscall6(unix.SYS_GETPID, 0, 0, 0, 0, 0, 0)
	if ps.spare != nil && !ps.spareTaken {
		pid, e := protoCloneOnSpare(ps, ppid)
		if e == 0 {
			ps.spareTaken = true
		}
		if e != syscall.EINVAL {
			return pid, e
		}
	}
	pid, e := cloneKid(cl3, unsafe.Sizeof(*cl3), s, ps, ppid)
	return pid, syscall.Errno(e)
}

// protoCloneOnSpare starts the child on ps's spare state (SetSpare) with
// CLONE_VM: it shares the driver's memory, as its parent does. A copy
// would share the driver's pages copy-on-write until it executes: each
// page the driver then writes faults and is copied (about 200 in an
// alsh box run, with their TLB shoot-downs), and the clone copies the
// driver's page tables. The spare takes a copy of ps, as the child of a
// fork has (its environment, limits and plumbing), but for its own
// fields (argv, spare) and ps's scratch buffers; its depth word is
// ps's, which the child raises (protoBecomeKid). einval: the kernel
// refused CLONE_VM with these flags; the child is then a copy.
//
//go:norace
//go:nosplit
//go:noinline
func protoCloneOnSpare(ps *State, ppid uintptr) (uintptr, syscall.Errno) {
	kid := ps.spare
	copyState(kid, ps)
	for i := 0; i < len(kid.depth) && i < len(ps.depth); i++ {
		kid.depth[i] = ps.depth[i]
	}
	kid.copied = false
	cl3 := &kid.cl3
	cl3.flags |= unix.CLONE_VM | unix.CLONE_CLEAR_SIGHAND
	cl3.stack = uint64(uintptr(unsafe.Pointer(&kid.stack[0])))
	pid, e := cloneKid(cl3, unsafe.Sizeof(*cl3), &kid.kidSpawn, kid, ppid)
	return pid, syscall.Errno(e)
}

// copyState copies src over dst from its own fields (nodeArgv to
// spareTaken, which dst keeps) to its stack, a word at a time, as
// uintptrs (no write barrier, no call of the runtime's). What lies
// before the own fields is scratch (the message served and the reply,
// an exec's argv, env and candidate paths), as is the stack: copied,
// they would only fault in 21 more pages of dst. The pointers copied are
// src's, which holds them as long as dst is used (the root's state, or
// its child's spare): the garbage collector loses nothing by the
// missing write barriers.
//
//go:norace
//go:nosplit
func copyState(dst, src *State) {
	d, s := unsafe.Pointer(dst), unsafe.Pointer(src)
	for i := ownUntil; i < stackFrom; i++ {
		*(*uintptr)(unsafe.Add(d, i*wordSize)) = *(*uintptr)(unsafe.Add(s, i*wordSize))
	}
}

// A state's words: where its own fields begin and end, and its stack,
// for copyState.
const (
	wordSize  = unsafe.Sizeof(uintptr(0))
	ownFrom   = unsafe.Offsetof(State{}.nodeArgv) / wordSize
	ownUntil  = (unsafe.Offsetof(State{}.spareTaken) + wordSize) / wordSize
	stackFrom = unsafe.Offsetof(State{}.stack) / wordSize
)

// cloneKid is cloneVM, called through a variable so that the linker's
// nosplit check does not follow it into protoMain again: the child
// starts protoMain at the top of a stack of its own, which is no
// recursion of its parent's.
var cloneKid = cloneVM

// protoBecomeKid is the child's start: a new proto-node, one level
// deeper, with no children, in its copy of the state. Not inlined: its
// locals would grow protoMain's frame, at the bottom of every nosplit
// chain.
//
//go:norace
//go:nosplit
//go:noinline
func protoBecomeKid(ps *State) {
	ps.nkids = 0
	ps.spun, ps.root, ps.reapDue = false, false, false
	ps.failed = 0             // a batch is its parent's
	if len(ps.rootFlag) > 0 { // its boot is a node's, not the root's
		ps.rootFlag[0] = '0'
	}
	putDigits(ps.depth, digitsValue(ps.depth)+1)
}

// protoCanFork is the node's canFork: depth and children under the
// limits of its options, and room here.
//
//go:norace
//go:nosplit
//go:noinline
func protoCanFork(ps *State) bool {
	if ps.root && ps.rootForked {
		return false
	}
	return ps.nkids < maxProtoKids && int64(digitsValue(ps.depth)) < ps.maxForkDepth && int64(ps.nkids) < ps.maxChild
}

// protoPlumb makes one fork's fds as the node's spawnPipes do (all
// close-on-exec; the driver's end of the control socket passes
// credentials). false: none is left open.
//
//go:norace
//go:nosplit
//go:noinline
func protoPlumb(pl *forkPlumbing) bool {
	for i := range pl.fd {
		pl.fd[i] = -1
	}
	pl.bell = -1
	_, _, e := syscall.RawSyscall6(unix.SYS_SOCKETPAIR, unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0,
		uintptr(unsafe.Pointer(&pl.fd[plumbCtl])), 0, 0)
	if e == 0 {
		one := int32(1)
		syscall.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(pl.fd[plumbCtl]), unix.SOL_SOCKET, unix.SO_PASSCRED,
			uintptr(unsafe.Pointer(&one)), 4, 0)
	}
	for i := plumbStdin; i < len(pl.fd) && e == 0; i += 2 {
		_, _, e = syscall.RawSyscall6(unix.SYS_PIPE2, uintptr(unsafe.Pointer(&pl.fd[i])), unix.O_CLOEXEC, 0, 0, 0, 0)
	}
	pl.fd[plumbStdin], pl.fd[plumbStdin+1] = pl.fd[plumbStdin+1], pl.fd[plumbStdin]
	pl.fd[plumbLife], pl.fd[plumbLife+1] = pl.fd[plumbLife+1], pl.fd[plumbLife]
	if e == 0 {
		var fd uintptr
		fd, _, e = syscall.RawSyscall6(unix.SYS_EVENTFD2, 0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK, 0, 0, 0, 0)
		if e == 0 {
			pl.bell = int32(fd)
		}
	}
	if e != 0 {
		protoUnplumb(pl)
		return false
	}
	return true
}

// protoUnplumb closes a fork's fds.
//
//go:norace
//go:nosplit
func protoUnplumb(pl *forkPlumbing) {
	for i := range pl.fd {
		closeFd(pl.fd[i])
	}
	closeFd(pl.bell)
}

// closeFd closes fd unless it is -1.
//
//go:norace
//go:nosplit
func closeFd(fd int32) {
	if fd >= 0 {
		syscall.RawSyscall6(unix.SYS_CLOSE, uintptr(fd), 0, 0, 0, 0, 0)
	}
}

// protoReplyFds replies v with the driver's five fds of the plumbing
// (control socket, stdin, stdout, stderr, bell), as the node's reply of
// a Spawned does.
//
//go:norace
//go:nosplit
func protoReplyFds(ps *State, id uint32, v int64) {
	pl := &ps.plumb
	out := replyInt(ps, id, v)
	m := &ps.fdMsg
	m.iov.base, m.iov.len = uint64(uintptr(unsafe.Pointer(&ps.out[0]))), uint64(len(out))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&m.cmsg[0]))
	h.Len, h.Level, h.Type = uint64(unix.SizeofCmsghdr+5*4), unix.SOL_SOCKET, unix.SCM_RIGHTS
	fds := (*[5]int32)(unsafe.Pointer(&m.cmsg[unix.SizeofCmsghdr]))
	fds[0], fds[1], fds[2], fds[3], fds[4] = pl.fd[plumbCtl], pl.fd[plumbStdin], pl.fd[plumbStdout], pl.fd[plumbStderr], pl.bell
	m.hdr.iov, m.hdr.iovlen = uintptr(unsafe.Pointer(&m.iov)), 1
	m.hdr.control, m.hdr.controllen = uintptr(unsafe.Pointer(&m.cmsg[0])), uint64(len(m.cmsg))
	syscall.RawSyscall6(unix.SYS_SENDMSG, FdCtl, uintptr(unsafe.Pointer(&m.hdr)), unix.MSG_NOSIGNAL, 0, 0, 0)
}

// protoReap reaps every child that ended and sends its event, as the
// node's childExited: a child of its own lets go of its lifeline.
//
//go:norace
//go:nosplit
func protoReap(ps *State) {
	for {
		pid, _, e := syscall.RawSyscall6(unix.SYS_WAIT4, ^uintptr(0), uintptr(unsafe.Pointer(&ps.wstatus)),
			unix.WNOHANG|unix.WALL, 0, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 || pid == 0 {
			return
		}
		if ps.wstatus&0xff == 0x7f { // a ptrace stop: the child lives on
			protoSendChildRec(ps, uint32(pid), &ps.stopRec, (ps.wstatus>>8)&0xff)
			continue
		}
		known := false
		for i := 0; i < ps.nkids; i++ {
			if ps.kids[i].pid == int32(pid) {
				known = true
				closeFd(ps.kids[i].lifeW)
				ps.nkids--
				ps.kids[i] = ps.kids[ps.nkids]
				break
			}
		}
		if !known && ps.root {
			continue // an orphan the root adopted as subreaper: not a process of the tree's (as the node)
		}
		if sig := ps.wstatus & 0x7f; sig != 0 {
			if ps.termsigOpt {
				protoSendChildRec(ps, uint32(pid), &ps.termRec, sig)
			}
		} else if ps.exitStatusOpt {
			protoSendExit(ps, uint32(pid), (ps.wstatus>>8)&0xff)
		}
	}
}

// protoSendExit sends a child's exit_status event, and rings the bell.
//
//go:norace
//go:nosplit
func protoSendExit(ps *State, pid uint32, code uint32) {
	const key = "exit_status"
	b := ps.out[:wire.HeaderLen+9+len(key)+9]
	b[0], b[1], b[2], b[3] = wire.MsgEvent, 0, 0, 0
	putLE32(b[4:], pid)
	b[8] = wire.TagRecord
	putLE32(b[9:], 1)
	putLE32(b[13:], uint32(len(key)))
	copy(b[17:], key)
	b[17+len(key)] = wire.TagInt
	putLE32(b[18+len(key):], code)
	putLE32(b[22+len(key):], 0)
	protoSend(b)
	syscall.RawSyscall6(unix.SYS_WRITE, FdBell, uintptr(unsafe.Pointer(&wire.BellRing[0])), 8, 0, 0, 0)
}

// protoSendChildRec sends the event of one of the records the node made
// (termsig, stopsig) for signal sig, and rings the bell.
//
//go:norace
//go:nosplit
func protoSendChildRec(ps *State, pid uint32, recs *[65][2]uint16, sig uint32) {
	if sig > 64 {
		return
	}
	r := recs[sig]
	if r[1] == 0 || int(r[0])+int(r[1]) > len(ps.childRecs) {
		return
	}
	b := ps.out[:]
	b[0], b[1], b[2], b[3] = wire.MsgEvent, 0, 0, 0
	putLE32(b[4:], pid)
	copy(b[wire.HeaderLen:], ps.childRecs[r[0]:r[0]+r[1]])
	protoSend(b[:wire.HeaderLen+int(r[1])])
	syscall.RawSyscall6(unix.SYS_WRITE, FdBell, uintptr(unsafe.Pointer(&wire.BellRing[0])), 8, 0, 0, 0)
}

// protoHandOver readies the children for the node the proto-node boots
// into: their lifelines kept across the exec, and named in the adopt=
// word.
//
//go:norace
//go:nosplit
func protoHandOver(ps *State) {
	for i := 0; i < ps.nkids && (i+1)*adoptSlot <= len(ps.adopt); i++ {
		syscall.RawSyscall6(unix.SYS_FCNTL, uintptr(ps.kids[i].lifeW), unix.F_SETFD, 0, 0, 0, 0)
		slot := ps.adopt[i*adoptSlot : (i+1)*adoptSlot]
		putDigits(slot[:10], uint64(ps.kids[i].pid))
		putDigits(slot[11:21], uint64(ps.kids[i].lifeW))
	}
}

// digitsValue reads a number of ASCII digits.
//
//go:norace
//go:nosplit
func digitsValue(b []byte) uint64 {
	var v uint64
	for i := 0; i < len(b); i++ {
		v = v*10 + uint64(b[i]-'0')
	}
	return v
}

// idMaps is clone's maps argument (uid, gid, setgroups: strings in the
// message), as the node's writeIDMaps takes it, and the sync pipe the
// child waits on while its parent writes them (protoTakeIDs).
type idMaps struct {
	given              bool
	val                [3]struct{ off, n int } // uid, setgroups, gid (the order they are written in); n -1: absent
	firstUid, firstGid int
	sync               [2]int32
}

// The maps' files, in the order writeIDMaps writes them.
var mapFiles = [3]string{"/uid_map", "/setgroups", "/gid_map"}

// protoMapsArg reads the maps record: only the fields uid, gid and
// setgroups, strings (else d fails: the node words the error).
//
//go:norace
//go:nosplit
//go:noinline
func protoMapsArg(d *protoDec, m *idMaps) {
	m.given = true
	for i := range m.val {
		m.val[i].n = -1
	}
	if d.off+5 > len(d.b) || d.b[d.off] != wire.TagRecord {
		d.ok = false
		return
	}
	n := int(le32(d.b[d.off+1:]))
	d.off += 5
	for i := 0; i < n && d.ok; i++ {
		k := -1
		switch {
		case d.keyIs("uid"):
			k = 0
		case d.keyIs("setgroups"):
			k = 1
		case d.keyIs("gid"):
			k = 2
		}
		if k < 0 {
			d.ok = false
			return
		}
		off, l, nul := d.str()
		if nul {
			d.ok = false
		}
		m.val[k].off, m.val[k].n = off, l
	}
	if m.val[2].n >= 0 && m.val[1].n < 0 {
		m.val[1].n = 0 // "deny", as writeIDMaps
	}
	m.firstUid, m.firstGid = firstID(d.b, m.val[0].off, m.val[0].n), firstID(d.b, m.val[2].off, m.val[2].n)
}

// firstID is the number a map's first line starts with, or -1
// (firstInsideID).
//
//go:norace
//go:nosplit
func firstID(b []byte, off, n int) int {
	v, digits := 0, 0
	for i := off; i < off+n && b[i] >= '0' && b[i] <= '9'; i++ {
		v, digits = v*10+int(b[i]-'0'), digits+1
		if digits > 9 {
			return -1
		}
	}
	if n <= 0 || digits == 0 || (off+digits < off+n && b[off+digits] != ' ' && b[off+digits] != '\t') {
		return -1
	}
	return v
}

// protoWriteMaps writes the child's maps through /proc/PID, as the
// node's writeIDMaps, then lets the child go on (closes the sync pipe).
// On a failure it kills and reaps the child, and says what failed: the
// errno, the system call, and the path (ps.cand, its length).
//
//go:norace
//go:nosplit
func protoWriteMaps(ps *State, pid int) (syscall.Errno, string, int) {
	m := &ps.maps
	closeFd(m.sync[0])
	for k := 0; k < len(m.val); k++ {
		if m.val[k].n < 0 {
			continue
		}
		n := protoProcPath(ps, pid, mapFiles[k])
		fd, _, e := syscall.RawSyscall6(unix.SYS_OPENAT, atFdcwd, uintptr(unsafe.Pointer(&ps.cand[0])), unix.O_WRONLY|unix.O_CLOEXEC, 0, 0, 0)
		op := "open"
		if e == 0 {
			val, l := uintptr(unsafe.Pointer(&denyWord[0])), uintptr(len(denyWord))
			if m.val[k].n > 0 || k != 1 {
				val, l = uintptr(unsafe.Pointer(&ps.buf[m.val[k].off])), uintptr(m.val[k].n)
			}
			_, _, e = syscall.RawSyscall6(unix.SYS_WRITE, fd, val, l, 0, 0, 0)
			op = "write"
			closeFd(int32(fd))
		}
		if e != 0 {
			closeFd(m.sync[1])
			syscall.RawSyscall6(unix.SYS_KILL, uintptr(pid), uintptr(unix.SIGKILL), 0, 0, 0, 0)
			syscall.RawSyscall6(unix.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(&ps.wstatus)), unix.WALL, 0, 0, 0)
			return e, op, n
		}
	}
	closeFd(m.sync[1])
	return 0, "", 0
}

var denyWord = [4]byte{'d', 'e', 'n', 'y'}

// protoProcPath writes "/proc/PID" and file into ps.cand, NUL-ended: its
// length.
//
//go:norace
//go:nosplit
//go:noinline
func protoProcPath(ps *State, pid int, file string) int {
	n := copy(ps.cand[:], "/proc/")
	w := 1
	for v := pid; v >= 10; v /= 10 {
		w++
	}
	for i, v := n+w-1, pid; i >= n; i, v = i-1, v/10 {
		ps.cand[i] = byte('0' + v%10)
	}
	n += w
	n += copy(ps.cand[n:], file)
	ps.cand[n] = 0
	return n
}
