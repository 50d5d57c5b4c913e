package proto

import (
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/spin"
	"github.com/alsh/alsh/engine/internal/wire"
)

// A fork child starts as a proto-node: a child that shares its parent's
// memory (clone3 CLONE_VM on a stack of its own) and runs no Go runtime,
// only raw syscalls, until its first call that needs a node. Starting a Go
// runtime costs about 1.4 ms on this VM (an empty Go program costs that
// much), a fork of a node 0.25 ms; most children are forked to be
// sandboxed and exec'd, which the proto-node does itself, as alcove's
// forked C child does.
//
// The proto-node serves the calls of Calls, with the node's results and
// errors, and reports the signals it catches as the node
// would. Any other call, anything it does not parse exactly as the node
// would, or a step that could keep the Go runtime from starting later (a
// low RLIMIT_NOFILE, any RLIMIT_NPROC, AS, DATA or STACK, a uid change
// under a low RLIMIT_NPROC) makes it boot: it execs the node binary from
// the memfd and leaves the message in the socket (it only peeked at it),
// for the node to serve.

// State is what the parent prepares for one proto child. With
// cloneVM the child uses it in place, else a copy; either way the parent
// takes it back when it reaps the child (the node's recycleProto).
type State struct {
	buf  [protoMsgMax + 1]byte // the message being served
	out  [protoMsgMax + 64]byte
	argv [MaxArgs + 1]uintptr // a program's argv (uintptr: the child writes no pointers, see below)
	envv [MaxArgs + 1]uintptr // execve's env
	cand [4096]byte           // execvp's candidate paths
	// What a state keeps as its own when a parent's is copied over it
	// (copyState, protoCloneOnSpare), together from nodeArgv to
	// spareTaken (TestStateOwnFieldsTogether): the node's argv, to boot,
	// and the parts of it a proto-node writes in place; and the spare
	// state its own first child may run on.
	nodeArgv []*byte // the node's, to boot
	argvOf   *Env    // the protoEnv nodeArgv was made for
	nofile   []byte  // the digits of nodeArgv's nofile= word, set at boot
	carried  []byte  // the digits of nodeArgv's carried= word, set at boot
	depth    []byte  // the digits of nodeArgv's depth= word
	rootFlag []byte  // the last byte of nodeArgv's RootWord, in the root's argv
	adopt    []byte  // the slots of nodeArgv's adopt= word, set at boot
	// spare is the state that a first child runs on, which the driver
	// prepared (SetSpare) for the root and the root's child: that child
	// shares the driver's memory, as its parent does, instead of being a
	// copy of it (protoCloneOnSpare). spareTaken: a child runs on it.
	spare      *State
	spareTaken bool
	nodeEnv    []*byte
	capHdr     [2]uint32     // capget's header
	capData    [6]uint32     // capget's two {effective, permitted, inheritable}
	sigEvents  []byte        // the event messages of caught signals (protoEnv)
	sigEvent   [65][2]uint16 // by signal: offset and length in sigEvents; 0 length: none
	siginfo    [8 * 128]byte
	userEnv    []*byte // the node's environment, for execvp
	path       []byte  // PATH cleaned, when every entry is absolute; else nil (see CleanPath)
	// The proto-node's own environment, once an environment call made it
	// (protoenv_linux.go): the list, the strings it set, and PATH cleaned
	// once it changed it (pathOwn; pathN 0: execvp's search is the node's).
	envOwn    bool
	env       [maxEnvVars + 1]uintptr
	envN      int
	envText   [envTextSize]byte
	envUsed   int
	pathOwn   bool
	pathBuf   [pathMax]byte
	pathN     int
	pathDue   bool // a PATH set, to clean (protoCleanPath): at pathAt in envText, pathLen long
	pathAt    int
	pathLen   int
	envArgs   envArgs
	ops       [protoOps]uint16
	caught    uint64 // the signals the parent catches (bit sig-1)
	polls     [3]pollFd
	sigset    uint64 // the caught signals, blocked
	noSigs    uint64
	chldSet   uint64 // SIGCHLD alone, which the ending root waits for
	stat      unix.Statx_t
	lim       [2]uint64
	words     Words              // a runtime-free call's arguments
	ints      [maxRawInts]uint32 // and its list of ids
	cl3       cloneArgs
	spin      bool          // the parent node's spinWorthIt
	spun      bool          // the first spin (after ready) is over
	crowded   bool          // the last call had wire.FlagCrowded: no spin after it
	tolerated [2]byte       // in a batch (wire.FlagChained): the errnos the last call tolerates,
	failed    syscall.Errno // and its errno if it failed (protoReplyErr), for protoSkipped
	copied    bool          // the child is a copy made by clone (clone3 refused), not one sharing the memory
	ts        unix.Timespec
	ru        unix.Rusage // protoSpin's look at its switches
	execEnv   uintptr     // the environment protoExec passes
	execLims  [MaxExecLimits]SpawnRlimit
	nExecLims int
	oldLim    [MaxExecLimits]unix.Rlimit
	nApplied  int // how many of execLims protoExecLimits applied
	spawn     SpawnArgs
	capDrop   uint64 // bounding-set drops held back until an exec, an id change or the boot (rawcaps_linux.go)
	// Forks of its own (protofork_linux.go).
	kids     [maxProtoKids]protoKid
	nkids    int
	plumb    forkPlumbing
	kidSpawn SpawnArgs // a child's fds (set by its parent proto-node, read in the child's copy)
	fdMsg    fdReply
	wstatus  uint32
	root     bool // the tree's root (SpawnArgs.Root)
	// rootForked: the root made its one fork. Its child is a copy of the
	// driver's memory, which costs more than a node's child (0.3–0.8 ms
	// against 0.1): one fork saves the boot of a one-shot run (alsh box,
	// a script with one sandbox); at the second it boots, and its node's
	// children share its small memory.
	rootForked    bool
	reapDue       bool // a SIGCHLD came
	forkDue       bool // a fork served, to make (protoFork)
	forkID        uint32
	forkFlags     int64
	maps          idMaps // a clone's user namespace maps (protofork_linux.go)
	maxForkDepth  int64
	maxChild      int64
	exitStatusOpt bool
	termsigOpt    bool
	childRecs     []byte        // termsig and stopsig events' records (Env.ChildRecs)
	termRec       [65][2]uint16 // by signal: offset and length in childRecs
	stopRec       [65][2]uint16
	stack         [protoStack]byte // with cloneVM, the child's stack
}

type pollFd struct {
	fd             int32
	events, revent int16
}

const (
	MaxArgs = 1024
	// protoMsgMax: a larger call makes the proto-node boot (the node takes
	// calls up to wire.MaxMsg).
	protoMsgMax = 16 << 10
	protoStack  = 32 << 10
	rlimNlimits = 16
	// protoMinNproc: the RLIMIT_NPROC under which a proto-node leaves uid
	// changes to the node.
	protoMinNproc = 4096
	atFdcwd       = ^uintptr(99) // AT_FDCWD, -100
)

// The calls a proto-node serves, by call number (ops), filled per fork
// with what the node's filter allows.
const (
	opBoot = iota
	opRaw  // a runtime-free call (rawcalls_linux.go)
	opSetrlimit
	opExecve
	opExecvp
	opExit
	opFork
	opClone
	opSetenv // to opEnviron: the environment calls (protoEnv)
	opUnsetenv
	opClearenv
	opGetenv
	opEnviron
	protoOps = 256 // room for the call table to grow: TestCallTableFitsProtoOps
)

// Calls are the calls a proto-node serves itself, by name, with the op
// protoServe dispatches each by: the runtime-free calls (rawImplOf), the
// calls whose node side does more than a proto-node needs (setrlimit,
// exec, exit, fork, clone), and the environment calls, whose node side is
// the Go runtime's environment (protoenv_linux.go). This is the one list:
// the node fills a child's ops from it (less what the child's filter
// denies), and the engine's tests check each. Built at its first use (a
// node's first fork), not at every node's start.
var Calls = sync.OnceValue(func() map[string]uint16 {
	m := map[string]uint16{"setrlimit": opSetrlimit, "execve": opExecve, "execvp": opExecvp, "exit": opExit,
		"fork": opFork, "clone": opClone,
		"setenv": opSetenv, "unsetenv": opUnsetenv, "clearenv": opClearenv, "getenv": opGetenv, "environ": opEnviron}
	for _, name := range RawNames() {
		m[name] = opRaw
	}
	return m
})

// Supported: the proto-node needs a call table that fits ops,
// and no race detector.
var Supported = len(builtins.Table) <= protoOps && !RaceEnabled

// AbsolutePath returns PATH cleaned for a proto-node's execvp (CleanPath,
// which a proto-node applies to a PATH it sets), or nil.
func AbsolutePath(path string) []byte {
	b := make([]byte, len(path)+1) // cleaning shortens
	n := CleanPath(b, []byte(path))
	if n < 0 {
		return nil
	}
	return b[:n]
}

// Env is what proto-node children read and never write, and the
// argv a proto-node boots with (the node's childArgv: each word changes only by a
// call that drops the Env; the nofile word is rewritten at the boot
// anyway). Building it for every fork took 14 of the node's 101 µs in a
// fork (perf, one CPU), a getrlimit included.
type Env struct {
	Argv             []string
	NofileArg        int // the index in argv of the nofile= word
	CarriedArg       int // the index in argv of the carried= word (protoCarryCaps)
	NodeEnv, UserEnv []*byte
	Path             []byte
	SigEvents        []byte
	SigEvent         [65][2]uint16
	Ops              [protoOps]uint16
	// ExecLimits are the node's limits for its programs (RLIMIT_AS,
	// RLIMIT_DATA), which protoExec applies just before the execve, never
	// before a boot: a Go runtime does not start under them.
	ExecLimits  [MaxExecLimits]SpawnRlimit
	NExecLimits int
	// Caught are the signals the parent catches (bit sig-1), which the
	// proto-node blocks and reports as the node would; 0: this process's
	// (Caught).
	Caught uint64
	// DepthArg and AdoptArg are the indexes in Argv of the depth= word
	// (DepthDigits wide: a child of the proto-node raises it in place)
	// and of AdoptWord (filled at the boot with the children it forked).
	DepthArg, AdoptArg int
	// RootArg is the index in Argv of the root's RootWord (0: none), whose
	// last byte a child of the root proto-node turns to '0' in its copy:
	// booted, that child is a node like any other, not the tree's root.
	RootArg int
	// The node's options a proto-node's own forks and exit events follow.
	// NoForks: its forks are its node's (the root of a driver whose
	// memory, which its child would copy, is large).
	MaxForkDepth, MaxChild int64
	NoForks                bool
	ExitStatus, Termsig    bool
	// ChildRecs holds the records of a child's termsig and stopsig
	// events ({termsig: NAME}, {stopsig: NAME}); TermRec and StopRec
	// their offset and length by signal.
	ChildRecs        []byte
	TermRec, StopRec [65][2]uint16
}

// RootWord tells a node that it is the tree's root (no lifeline: its
// control socket is one; the tree's subreaper): the root proto-node's
// argv holds it, which its children turn to "root=0" (Env.RootArg).
const RootWord = "root=1"

// MaxExecLimits is how many limits a node keeps for its programs.
const MaxExecLimits = 2

// load readies ps for the next fork: env, the signals the parent
// catches, and whether the child spins for its calls (spinWorthIt).
func (ps *State) Load(env *Env, spin bool) {
	if ps.argvOf != env { // else the recycled state's argv is still right
		ps.nodeArgv, ps.argvOf = CStrings(env.Argv), env
		ps.nofile = unsafe.Slice(ps.nodeArgv[env.NofileArg], len(env.Argv[env.NofileArg]))[len("nofile="):]
		ps.carried = unsafe.Slice(ps.nodeArgv[env.CarriedArg], len(env.Argv[env.CarriedArg]))[len("carried="):]
	}
	copy(ps.nofile, env.Argv[env.NofileArg][len("nofile="):]) // a proto-node that booted wrote its own
	copy(ps.carried, env.Argv[env.CarriedArg][len("carried="):])
	ps.depth, ps.adopt, ps.rootFlag = nil, nil, nil
	if env.RootArg > 0 && env.Argv[env.RootArg] == RootWord {
		ps.rootFlag = unsafe.Slice(ps.nodeArgv[env.RootArg], len(RootWord))[len(RootWord)-1:]
		ps.rootFlag[0] = '1'
	}
	if env.DepthArg > 0 && env.AdoptArg > 0 {
		ps.depth = unsafe.Slice(ps.nodeArgv[env.DepthArg], len(env.Argv[env.DepthArg]))[len("depth="):]
		ps.adopt = unsafe.Slice(ps.nodeArgv[env.AdoptArg], len(env.Argv[env.AdoptArg]))[len("adopt="):]
		copy(ps.depth, env.Argv[env.DepthArg][len("depth="):])
		copy(ps.adopt, env.Argv[env.AdoptArg][len("adopt="):])
	}
	ps.nkids = 0
	ps.maxForkDepth, ps.maxChild = env.MaxForkDepth, env.MaxChild
	if env.NoForks {
		ps.maxChild = 0
	}
	ps.exitStatusOpt, ps.termsigOpt = env.ExitStatus, env.Termsig
	ps.childRecs, ps.termRec, ps.stopRec = env.ChildRecs, env.TermRec, env.StopRec
	ps.nodeEnv, ps.userEnv, ps.path = env.NodeEnv, env.UserEnv, env.Path
	ps.sigEvents, ps.sigEvent = env.SigEvents, env.SigEvent
	ps.ops = env.Ops
	ps.execLims, ps.nExecLims = env.ExecLimits, env.NExecLimits
	ps.caught = caughtMask
	if env.Caught != 0 {
		ps.caught = env.Caught
	}
	ps.spin, ps.spun, ps.crowded = spin, false, false
	ps.failed = 0
	ps.capDrop = 0
	ps.envOwn, ps.pathOwn, ps.pathDue = false, false, false
}

// SetSpare gives a proto-node's state (before it runs) the state its
// first child runs on, sharing the driver's memory: kid, loaded with env
// (ps's own, too: Load makes kid's argv of its own, whose words the
// child writes in place). It returns kid,
// to which the same may be given for the child's own first child. The
// caller keeps the states as long as ps. Only for a proto-node in the
// driver's memory (the root) and its children.
func (ps *State) SetSpare(kid *State, env *Env, spin bool) *State {
	kid.Load(env, spin)
	ps.spare, ps.spareTaken = kid, false
	return kid
}

// Fork forks a proto-node child with the fds and flags of s (see
// rawForkProto). The parent keeps ps until the child is reaped.
func (ps *State) Fork(s SpawnArgs) (int, syscall.Errno) {
	ps.spawn = s
	return rawForkProto(&ps.spawn, ps)
}

// CloneFlags are the clone flags a fork child takes besides
// clone_newuser (whose child waits for its maps, protoTakeIDs): namespaces
// and flags that share nothing with the parent. Others (clone_files,
// clone_fs, clone_vfork, clone_parent, clone_settls…) would let the child close its
// parent's fds, move its root, stop it until an exec, or run without a
// parent to reap it: refused with einval.
const CloneFlags = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
	unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWTIME | unix.CLONE_SYSVSEM | unix.CLONE_IO |
	unix.CLONE_UNTRACED | unix.CLONE_PTRACE | unix.CLONE_CLEAR_SIGHAND

// rawForkProto forks; the child becomes a proto-node and never returns.
// With cloneVM it shares its parent's memory (and resets signal handlers
// with CLONE_CLEAR_SIGHAND, as it cannot run the runtime's fork hook);
// else it is a copy.
//
//go:norace
//go:nosplit
func rawForkProto(s *SpawnArgs, ps *State) (pid int, err syscall.Errno) {
	cl3 := &ps.cl3 // in ps, not on the stack: the nosplit stack is short
	cl3.flags = uint64(s.Flags)
	cl3.exitSignal = uint64(syscall.SIGCHLD)
	ps.copied = !haveCloneVM
	ppid, _, _ := syscall.RawSyscall6(unix.SYS_GETPID, 0, 0, 0, 0, 0, 0)
	var r1 uintptr
	var e1 syscall.Errno
	runtime_BeforeFork()
	switch {
	case haveCloneVM:
		cl3.flags |= unix.CLONE_VM | unix.CLONE_CLEAR_SIGHAND
		cl3.stack = uint64(uintptr(unsafe.Pointer(&ps.stack[0])))
		cl3.stackSize = uint64(len(ps.stack))
		var e uintptr
		r1, e = cloneVM(cl3, unsafe.Sizeof(*cl3), s, ps, ppid)
		e1 = syscall.Errno(e)
		if e1 == syscall.ENOSYS && s.Flags&unix.CLONE_NEWTIME == 0 {
			// A seccomp filter refuses clone3 so that libc falls back
			// to clone (Docker's default profile without
			// cap_sys_admin): so does the node, with a copy.
			ps.copied = true
			r1, _, e1 = syscall.RawSyscall6(unix.SYS_CLONE, s.Flags|uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
		}
	case s.Flags&unix.CLONE_NEWTIME != 0:
		r1, _, e1 = syscall.RawSyscall6(unix.SYS_CLONE3, uintptr(unsafe.Pointer(cl3)), unsafe.Sizeof(*cl3), 0, 0, 0, 0)
	default:
		r1, _, e1 = syscall.RawSyscall6(unix.SYS_CLONE, s.Flags|uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	}
	if e1 != 0 || r1 != 0 {
		runtime_AfterFork()
		return int(r1), e1
	}
	runtime_AfterForkInChild()
	protoMain(s, ps, ppid)
	return 0, 0
}

// protoMain is the proto-node: set up, say ready, serve until it execs
// or exits.
//
//go:norace
//go:nosplit
func protoMain(s *SpawnArgs, ps *State, ppid uintptr) {
	if s == &ps.kidSpawn { // a proto-node's own child (protofork_linux.go)
		protoBecomeKid(ps)
	}
	if protoSetup(s, ps, ppid) != 0 {
		rawExit(111)
	}
	hdr := ps.out[:wire.HeaderLen]
	hdr[0], hdr[1], hdr[2], hdr[3], hdr[4], hdr[5], hdr[6], hdr[7] = wire.MsgReady, 0, 0, 0, 0, 0, 0, 0
	protoSend(hdr)
	for {
		if ps.pathDue {
			protoCleanPath(ps)
		}
		if m := protoWait(ps); m < 0 || !protoServe(ps, m) {
			protoReapOrBoot(ps)
		}
	}
}

// protoSkipped skips a chained call (wire.FlagChained) when the call
// before it ended its batch: it failed (ps.failed, which protoReplyErr
// sets) with an errno it did not tolerate. Else it notes what this call
// tolerates. (On the wait's stack, not protoServe's, the deepest.)
//
//go:norace
//go:nosplit
func protoSkipped(ps *State, m int) bool {
	b := ps.buf[:m]
	if m < wire.HeaderLen || b[0] != wire.MsgCall {
		return false
	}
	if b[1]&wire.FlagChained != 0 && ps.failed != 0 && wire.BreaksChain(uint32(ps.failed), ps.tolerated) {
		protoConsume()
		protoReplySkipped(ps, le32(b[4:]))
		return true // ps.failed stays: the batch stays ended
	}
	ps.tolerated[0], ps.tolerated[1], ps.failed = b[2], b[3], 0
	return false
}

// protoSetup takes the child's ids in a new user namespace
// (protoTakeIDs), puts the fds in place, closes every other fd of the
// parent (in a slot given none too), blocks the signals the node would
// catch (a signalfd wakes the loop, which reports them), and arms the
// parent-death signal.
//
//go:norace
//go:nosplit
func protoSetup(s *SpawnArgs, ps *State, ppid uintptr) syscall.Errno {
	if e := protoTakeIDs(s); e != 0 {
		return e
	}
	if e := placeFds(s); e != 0 {
		return e
	}
	if _, _, e := syscall.RawSyscall6(unix.SYS_CLOSE_RANGE, NSpawnFds, ^uintptr(0), 0, 0, 0, 0); e != 0 {
		return e
	}
	for fd := 0; fd < NSpawnFds; fd++ { // a slot given nothing (the root's lifeline) holds none of the parent's
		if s.Fds[fd] < 0 {
			syscall.RawSyscall6(unix.SYS_CLOSE, uintptr(fd), 0, 0, 0, 0, 0)
		}
	}
	for fd := uintptr(FdCtl); fd <= FdBell; fd++ {
		syscall.RawSyscall6(unix.SYS_FCNTL, fd, unix.F_SETFD, unix.FD_CLOEXEC, 0, 0, 0)
	}
	if ps.copied {
		// After the runtime's fork hook. With cloneVM, CLONE_CLEAR_SIGHAND
		// keeps SIG_IGN as the parent had it at the clone (and reading
		// the parent's ignored table now could race with its sigaction).
		reignoreInChild()
	}
	ps.sigset = ps.caught
	syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&ps.sigset)), 0, 8, 0, 0)
	sfd, _, e := syscall.RawSyscall6(unix.SYS_SIGNALFD4, ^uintptr(0), uintptr(unsafe.Pointer(&ps.sigset)), 8,
		unix.SFD_CLOEXEC|unix.SFD_NONBLOCK, 0, 0)
	if e != 0 {
		return e
	}
	ps.polls = [3]pollFd{{fd: FdCtl, events: unix.POLLIN}, {fd: FdLifeline, events: unix.POLLIN}, {fd: int32(sfd), events: unix.POLLIN}}
	ps.root = s.Root
	if s.Root {
		ps.polls[1].fd = -1 // no lifeline: ppoll skips it
		syscall.RawSyscall6(unix.SYS_SETSID, 0, 0, 0, 0, 0, 0)
		syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0, 0)
	}
	if _, _, e := syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, s.Pdeathsig, 0, 0, 0, 0); e != 0 {
		return e
	}
	if r, _, _ := syscall.RawSyscall6(unix.SYS_GETPPID, 0, 0, 0, 0, 0, 0); r != ppid && r != 0 {
		return syscall.ESRCH
	}
	return 0
}

// protoTakeIDs: a child in a new user namespace whose parent writes its
// maps (clone_newuser with maps) waits for them, EOF on s.SyncR, then
// takes the first inside id of each map (s.Gid, s.Uid; -1 keeps its
// own), as RawSpawn's child does before its exec. It holds every
// capability in the namespace, whatever its ids (root with "0 …"). The
// parent kills it if a map cannot be written. The ids come before the
// parent-death signal, which a change of ids clears.
//
//go:norace
//go:nosplit
func protoTakeIDs(s *SpawnArgs) syscall.Errno {
	if s.SyncR < 0 {
		return 0
	}
	var b [1]byte
	syscall.RawSyscall(unix.SYS_CLOSE, uintptr(s.SyncW), 0, 0)
	for {
		_, _, e := syscall.RawSyscall(unix.SYS_READ, uintptr(s.SyncR), uintptr(unsafe.Pointer(&b[0])), 1)
		if e != syscall.EINTR {
			break
		}
	}
	syscall.RawSyscall(unix.SYS_CLOSE, uintptr(s.SyncR), 0, 0)
	if s.Gid >= 0 {
		if _, _, e := syscall.RawSyscall(unix.SYS_SETRESGID, uintptr(s.Gid), uintptr(s.Gid), uintptr(s.Gid)); e != 0 {
			return e
		}
	}
	if s.Uid >= 0 {
		if _, _, e := syscall.RawSyscall(unix.SYS_SETRESUID, uintptr(s.Uid), uintptr(s.Uid), uintptr(s.Uid)); e != 0 {
			return e
		}
	}
	return 0
}

// protoWait waits for a call and peeks at it: its length, or -1 when the
// proto-node must boot (a caught signal, a message too large, a failed
// ppoll), or waitReap when a child ended. The end of the control socket or the lifeline ends the
// proto-node, as a node. A chained call that its batch's failure skips
// is answered here (protoSkipped), and the wait goes on.
//
//go:norace
//go:nosplit
func protoWait(ps *State) int {
	for {
		m := protoWaitMsg(ps)
		if m <= 0 || !protoSkipped(ps, m) {
			return m
		}
	}
}

// protoWaitMsg is protoWait's wait for one message.
//
//go:norace
//go:nosplit
func protoWaitMsg(ps *State) int {
	if ps.reapDue || ps.forkDue {
		return waitReap
	}
	if m := protoSpin(ps); m > 0 {
		protoReportSignals(ps) // a signal that came meanwhile goes first, as from a node
		return m
	}
	for {
		_, _, e := syscall.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&ps.polls[0])), 3, 0, 0, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 { // e.g. an RLIMIT_NOFILE below 3 set by prlimit(2): the node waits with epoll
			return -1
		}
		if ps.polls[2].revent != 0 {
			protoReportSignals(ps)
			if ps.reapDue {
				return waitReap
			}
			continue
		}
		if ps.polls[1].revent != 0 {
			rawExit(0)
		}
		m, _, e := syscall.RawSyscall6(unix.SYS_RECVFROM, FdCtl, uintptr(unsafe.Pointer(&ps.buf[0])), uintptr(len(ps.buf)),
			unix.MSG_PEEK|unix.MSG_TRUNC|unix.MSG_DONTWAIT, 0, 0)
		switch {
		case e == syscall.EINTR || e == syscall.EAGAIN:
		case e != 0 || m == 0:
			if protoRootHasDescendants(ps) {
				return -1 // its node ends them (protoRootHasDescendants)
			}
			rawExit(0)
		case m > protoMsgMax:
			return -1
		default:
			return int(m)
		}
	}
}

// protoRootHasDescendants: the root, its control socket closed, must
// end its subtree first, as its node would (signaloneof to the tree's
// session, a grace, then SIGKILL: endSubtree). It lets its child nodes
// go (their lifelines), which end at once, and reaps for a few ms,
// woken by each SIGCHLD (blocked, so rt_sigtimedwait takes it) rather
// than polling; with a process still left (a subreaper's children are
// all its descendants: a program, say), it boots for its node to end
// them.
//
//go:norace
//go:nosplit
func protoRootHasDescendants(ps *State) bool {
	if !ps.root {
		return false
	}
	for i := 0; i < ps.nkids; i++ {
		closeFd(ps.kids[i].lifeW)
	}
	ps.nkids = 0 // its node, if it boots, reaps them as the subreaper's
	syscall.RawSyscall6(unix.SYS_CLOCK_GETTIME, unix.CLOCK_MONOTONIC, uintptr(unsafe.Pointer(&ps.ts)), 0, 0, 0, 0)
	deadline := nanos(&ps.ts) + rootEndWait
	ps.chldSet = 1 << (unix.SIGCHLD - 1)
	for {
		r, _, e := syscall.RawSyscall6(unix.SYS_WAIT4, ^uintptr(0), uintptr(unsafe.Pointer(&ps.wstatus)),
			unix.WNOHANG|unix.WALL, 0, 0, 0)
		switch {
		case e == syscall.ECHILD:
			return false
		case e == syscall.EINTR || e == 0 && r > 0:
			continue
		case e != 0:
			return true
		}
		syscall.RawSyscall6(unix.SYS_CLOCK_GETTIME, unix.CLOCK_MONOTONIC, uintptr(unsafe.Pointer(&ps.ts)), 0, 0, 0, 0)
		left := deadline - nanos(&ps.ts)
		if left <= 0 {
			return true
		}
		ps.ts = unix.Timespec{Sec: left / 1e9, Nsec: left % 1e9}
		syscall.RawSyscall6(unix.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(&ps.chldSet)),
			uintptr(unsafe.Pointer(&ps.siginfo[0])), uintptr(unsafe.Pointer(&ps.ts)), 8, 0, 0)
	}
}

// rootEndWait bounds the root proto-node's wait for its children to end
// (ns): what is left after it, programs, its node ends.
const rootEndWait = 5_000_000

// waitReap: protoWait returns for protoMain to reap (protoReapOrBoot).
const waitReap = -2

// protoReapOrBoot makes what a wait left due: a fork served (protoFork),
// else the reaping of the children that ended, if a SIGCHLD came; else
// it boots. (A call that needs the boot is still in the socket: the next
// wait finds it again.)
//
//go:norace
//go:nosplit
func protoReapOrBoot(ps *State) {
	if haveCloneVM && ps.forkDue {
		ps.forkDue = false
		protoForkNow(ps, ps.forkID, ps.forkFlags)
		return
	}
	if ps.reapDue {
		ps.reapDue = false
		protoReap(ps)
		return
	}
	protoBoot(ps)
}

// protoSpin looks for the next call for spin.Node (spin.ProtoFirst the
// first time), as a node does after a call (spinWorthIt), unless the
// driver marked the last call crowded. It looks before it reads the clock
// and its switches: a batch's next call is there already, and those two
// system calls were a third of a proto-node's time per call of a batch.
//
//go:norace
//go:nosplit
func protoSpin(ps *State) int {
	if !ps.spin || ps.crowded {
		return 0
	}
	d := int64(spin.Node)
	if !ps.spun {
		ps.spun, d = true, int64(spin.ProtoFirst)
	}
	var deadline, switches int64
	started, switched := false, false
	for {
		m, _, e := syscall.RawSyscall6(unix.SYS_RECVFROM, FdCtl, uintptr(unsafe.Pointer(&ps.buf[0])), uintptr(len(ps.buf)),
			unix.MSG_PEEK|unix.MSG_TRUNC|unix.MSG_DONTWAIT, 0, 0)
		if e == 0 && m > 0 && m <= protoMsgMax {
			return int(m)
		}
		if e != syscall.EAGAIN && e != syscall.EINTR {
			return 0
		}
		if !started {
			started = true
			syscall.RawSyscall6(unix.SYS_CLOCK_GETTIME, unix.CLOCK_MONOTONIC, uintptr(unsafe.Pointer(&ps.ts)), 0, 0, 0, 0)
			deadline, switches = nanos(&ps.ts)+d, protoSwitches(ps)
		} else if nanos(&ps.ts) >= deadline {
			return 0
		}
		before := nanos(&ps.ts)
		syscall.RawSyscall6(unix.SYS_SCHED_YIELD, 0, 0, 0, 0, 0, 0)
		syscall.RawSyscall6(unix.SYS_CLOCK_GETTIME, unix.CLOCK_MONOTONIC, uintptr(unsafe.Pointer(&ps.ts)), 0, 0, 0, 0)
		n := protoSwitches(ps)
		if spin.GiveWay(n != switches, switched, nanos(&ps.ts)-before) { // others need the CPU
			return 0
		}
		switches, switched = n, n != switches
	}
}

// protoSwitches is the thread's involuntary context switches (spin.Switches).
//
//go:norace
//go:nosplit
func protoSwitches(ps *State) int64 {
	syscall.RawSyscall6(unix.SYS_GETRUSAGE, unix.RUSAGE_THREAD, uintptr(unsafe.Pointer(&ps.ru)), 0, 0, 0, 0)
	return ps.ru.Nivcsw
}

//go:norace
//go:nosplit
func nanos(ts *unix.Timespec) int64 { return ts.Sec*1e9 + ts.Nsec }

// protoReportSignals reads the caught signals from the signalfd and
// reports each as the node would, with the event the parent prepared.
//
//go:norace
//go:nosplit
func protoReportSignals(ps *State) {
	for {
		m, _, e := syscall.RawSyscall6(unix.SYS_READ, uintptr(ps.polls[2].fd), uintptr(unsafe.Pointer(&ps.siginfo[0])),
			uintptr(len(ps.siginfo)), 0, 0, 0)
		if e != 0 || m == 0 {
			return
		}
		for off := uintptr(0); off+128 <= m; off += 128 {
			sig := le32(ps.siginfo[off:])
			if sig < 1 || sig > 64 {
				continue
			}
			if ev := ps.sigEvent[sig]; ev[1] > 0 && int(ev[0])+int(ev[1]) <= len(ps.sigEvents) {
				protoSend(ps.sigEvents[ev[0] : ev[0]+ev[1]])
				syscall.RawSyscall6(unix.SYS_WRITE, FdBell, uintptr(unsafe.Pointer(&wire.BellRing[0])), 8, 0, 0, 0)
			}
			if sig == uint32(unix.SIGCHLD) {
				ps.reapDue = true // its children's exits (protofork_linux.go), reaped by protoMain: the stack is short here
			}
		}
	}
}

// protoServe serves the peeked message if it is a call the proto-node
// knows, well formed; false means boot. (The handlers return, rather than
// boot themselves, to keep the nosplit stack shallow.)
//
//go:norace
//go:nosplit
func protoServe(ps *State, m int) bool {
	b := ps.buf[:m]
	if m < wire.HeaderLen+2 || b[0] != wire.MsgCall {
		return false
	}
	ps.crowded = b[1]&wire.FlagCrowded != 0
	id := le32(b[4:])
	nr := int(b[8]) | int(b[9])<<8
	if nr >= protoOps {
		return false
	}
	d := &protoDec{b: b, off: wire.HeaderLen + 2, ok: true} // on the stack: see protoDec
	op := ps.ops[nr]
	if ps.nkids > 0 && (op == opExecve || op == opExecvp || op == opExit) {
		return false // with children: its node ends them as it does (releaseChildren)
	}
	switch op {
	case opRaw:
		return protoRaw(ps, d, id, rawDescOf(nr))
	case opSetrlimit:
		return protoSetrlimit(ps, d, id)
	case opExecve:
		path, n, ok := protoExecve(ps, d)
		return ok && protoExec(ps, id, path, n, "execve")
	case opExecvp:
		path, n, ok := protoExecvp(ps, d, id)
		if ok && path != nil && !inCand(ps, path) { // a file with a slash, not looked up: execvp's own error
			return protoExec(ps, id, path, n, "execvp")
		}
		return ok && (path == nil || protoExec(ps, id, path, n, "execve"))
	case opExit:
		return protoExit(d)
	case opFork, opClone:
		if !haveCloneVM { // constant: the fork code is left out where it cannot run
			return false
		}
		flags, ok := protoForkArgs(ps, d, op == opClone)
		return ok && protoFork(ps, id, flags)
	case opSetenv, opUnsetenv, opClearenv, opGetenv, opEnviron:
		return protoEnv(ps, d, id, op)
	}
	return false
}

// protoDec reads a call's arguments in place; ok turns false at the first
// byte that is not what the proto-node expects. It lives on the stack:
// the child must not write pointers to the heap, whose write barrier
// (during a collection in the parent at the time of the fork) is runtime
// code that the child cannot run.
type protoDec struct {
	b   []byte
	off int
	ok  bool
}

//go:norace
//go:nosplit
func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// list reads a list header of exactly n elements (n < 0: any) and returns
// its length.
//
//go:norace
//go:nosplit
func (d *protoDec) list(n int) int {
	if d.off+5 > len(d.b) || d.b[d.off] != wire.TagList {
		d.ok = false
		return 0
	}
	l := int(le32(d.b[d.off+1:]))
	d.off += 5
	if (n >= 0 && l != n) || l > MaxArgs {
		d.ok = false
	}
	return l
}

//go:norace
//go:nosplit
func (d *protoDec) int64() int64 {
	if d.off+9 > len(d.b) || d.b[d.off] != wire.TagInt {
		d.ok = false
		return 0
	}
	v := uint64(le32(d.b[d.off+1:])) | uint64(le32(d.b[d.off+5:]))<<32
	d.off += 9
	return int64(v)
}

// cstr reads a string and makes it NUL-terminated in place: its bytes move
// back over its tag and length, which are read. A string holding a NUL
// fails: the node would refuse it.
//
//go:norace
//go:nosplit
func (d *protoDec) cstr(tag byte) (p *byte, n int) {
	if d.off+5 > len(d.b) || d.b[d.off] != tag {
		d.ok = false
		return nil, 0
	}
	start := d.off
	n = int(le32(d.b[start+1:]))
	if n > len(d.b)-start-5 {
		d.ok = false
		return nil, 0
	}
	for i := start + 5; i < start+5+n; i++ {
		if d.b[i] == 0 {
			d.ok = false
			return nil, 0
		}
	}
	copy(d.b[start:], d.b[start+5:start+5+n])
	d.b[start+n] = 0
	d.off = start + 5 + n
	return &d.b[start], n
}

// str reads a string and makes it NUL-terminated in place, as cstr does,
// but takes a NUL inside (nul): the call decides (a path cannot hold one,
// a hostname can).
//
//go:norace
//go:nosplit
func (d *protoDec) str() (off, n int, nul bool) {
	if d.off+5 > len(d.b) || d.b[d.off] != wire.TagString {
		d.ok = false
		return 0, 0, false
	}
	start := d.off
	n = int(le32(d.b[start+1:]))
	if n > len(d.b)-start-5 {
		d.ok = false
		return 0, 0, false
	}
	for i := start + 5; i < start+5+n; i++ {
		nul = nul || d.b[i] == 0
	}
	copy(d.b[start:], d.b[start+5:start+5+n])
	d.b[start+n] = 0
	d.off = start + 5 + n
	return start, n, nul
}

// strs reads a list of strings into out, nil-terminated. A longer list
// than out holds fails (list) before anything is written.
//
//go:norace
//go:nosplit
func (d *protoDec) strs(out []uintptr) {
	l := d.list(-1)
	if !d.ok || l >= len(out) {
		d.ok = false
		return
	}
	for i := 0; i < l && d.ok; i++ {
		p, _ := d.cstr(wire.TagString)
		out[i] = uintptr(unsafe.Pointer(p))
	}
	out[l] = 0
}

// key reads a record key equal to want.
//
//go:norace
//go:nosplit
func (d *protoDec) key(want string) {
	if !d.keyIs(want) {
		d.ok = false
	}
}

// keyIs reads a record key if it is want (else leaves d where it was).
//
//go:norace
//go:nosplit
func (d *protoDec) keyIs(want string) bool {
	if d.off+4+len(want) > len(d.b) || int(le32(d.b[d.off:])) != len(want) {
		return false
	}
	for i := 0; i < len(want); i++ {
		if d.b[d.off+4+i] != want[i] {
			return false
		}
	}
	d.off += 4 + len(want)
	return true
}

// end: the arguments were as expected and filled the message; else the
// node serves it (and says what was wrong).
//
//go:norace
//go:nosplit
func (d *protoDec) end() bool { return d.ok && d.off == len(d.b) }

// protoConsume takes the served message off the socket.
//
//go:norace
//go:nosplit
func protoConsume() {
	var one [1]byte
	syscall.RawSyscall6(unix.SYS_RECVFROM, FdCtl, uintptr(unsafe.Pointer(&one[0])), 1, unix.MSG_DONTWAIT, 0, 0)
}

//go:norace
//go:nosplit
func protoSetrlimit(ps *State, d *protoDec, id uint32) bool {
	d.list(2)
	res := d.int64()
	if d.off+5 > len(d.b) || d.b[d.off] != wire.TagRecord || le32(d.b[d.off+1:]) != 2 {
		return false
	}
	d.off += 5
	d.key("cur")
	ps.lim[0] = uint64(d.int64())
	d.key("max")
	ps.lim[1] = uint64(d.int64())
	if !d.end() || !protoLimitSafe(res, ps.lim[0]) {
		return false
	}
	protoConsume()
	_, _, e := syscall.RawSyscall6(unix.SYS_PRLIMIT64, 0, uintptr(res), uintptr(unsafe.Pointer(&ps.lim[0])), 0, 0, 0)
	protoReplyErr(ps, id, e, "setrlimit", nil, 0)
	return true
}

// protoLimitSafe: after this limit the Go runtime would still start, so
// the proto-node may boot later. (The node needs a few fds of its own;
// threads count against RLIMIT_NPROC; the heap and stacks against AS,
// DATA and STACK.) AS and DATA never: the node keeps them for its
// programs (Env.ExecLimits, which getrlimit answers), so it sets them.
//
//go:norace
//go:nosplit
func protoLimitSafe(res int64, cur uint64) bool {
	switch res {
	case unix.RLIMIT_NOFILE:
		return cur >= 64
	case unix.RLIMIT_NPROC, unix.RLIMIT_STACK:
		return cur == unix.RLIM_INFINITY
	case unix.RLIMIT_AS, unix.RLIMIT_DATA:
		return false
	}
	return res >= 0 && res < rlimNlimits
}

//go:norace
//go:nosplit
func protoExit(d *protoDec) bool {
	d.list(1)
	v := d.int64()
	if !d.end() {
		return false
	}
	protoConsume()
	rawExit(uintptr(v))
	return true
}

// protoExecve reads execve's arguments for protoExec.
//
//go:norace
//go:nosplit
func protoExecve(ps *State, d *protoDec) (path *byte, n int, ok bool) {
	d.list(3)
	path, n = d.cstr(wire.TagString)
	d.strs(ps.argv[:])
	d.strs(ps.envv[:])
	ps.execEnv = uintptr(unsafe.Pointer(&ps.envv[0]))
	return path, n, d.end()
}

// protoExecvp reads execvp's arguments and looks the file up in PATH as
// exec.LookPath does (an executable that is not a directory), for
// protoExec with the node's environment. A file not found is answered
// here (path nil). A file with a slash is not looked up: protoExec
// reports what execve says of it, as execvp(3) does.
//
//go:norace
//go:nosplit
func protoExecvp(ps *State, d *protoDec, id uint32) (path *byte, n int, ok bool) {
	d.list(2)
	file, fn := d.cstr(wire.TagString)
	d.strs(ps.argv[:])
	if !d.end() || len(execPath(ps)) == 0 {
		return nil, 0, false
	}
	ps.execEnv = execEnv(ps)
	path, n = file, fn
	if !hasSlash(file, fn) { // with a slash, no search: execve's own errno
		path, n = lookPath(ps, file, fn)
	}
	if path == nil {
		protoConsume()
		protoReplyErr(ps, id, syscall.ENOENT, "execvp", file, fn)
	}
	return path, n, true
}

//go:norace
//go:nosplit
func hasSlash(p *byte, n int) bool {
	s := unsafe.Slice(p, n)
	for i := 0; i < n; i++ {
		if s[i] == '/' {
			return true
		}
	}
	return false
}

// lookPath tries each PATH directory; the candidate is built in ps.cand.
//
//go:norace
//go:nosplit
func lookPath(ps *State, file *byte, n int) (*byte, int) {
	f := unsafe.Slice(file, n)
	path := execPath(ps)
	dir := 0
	for i := 0; i < len(path); i++ {
		if path[i] != ':' && path[i] != 0 {
			continue
		}
		l := i - dir
		if l+1+n+1 <= len(ps.cand) {
			copy(ps.cand[:], path[dir:i])
			ps.cand[l] = '/'
			copy(ps.cand[l+1:], f)
			ps.cand[l+1+n] = 0
			if executable(ps, &ps.cand[0]) {
				return &ps.cand[0], l + 1 + n
			}
		}
		dir = i + 1
	}
	return nil, 0
}

// executable is exec.LookPath's test (findExecutable): not a directory,
// and executable for the effective ids, or by its mode bits when
// faccessat2 is missing (ENOSYS) or refused by a seccomp filter (EPERM).
//
//go:norace
//go:nosplit
func executable(ps *State, p *byte) bool {
	st := &ps.stat
	_, _, e := syscall.RawSyscall6(unix.SYS_STATX, atFdcwd, uintptr(unsafe.Pointer(p)), 0,
		unix.STATX_TYPE|unix.STATX_MODE, uintptr(unsafe.Pointer(st)), 0)
	if e != 0 || st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return false
	}
	_, _, e = syscall.RawSyscall6(unix.SYS_FACCESSAT2, atFdcwd, uintptr(unsafe.Pointer(p)),
		unix.X_OK, unix.AT_EACCESS, 0, 0)
	if e == syscall.ENOSYS || e == syscall.EPERM {
		return st.Mode&0o111 != 0
	}
	return e == 0
}

// protoExec is the node's execve of path: caught signals reported, an
// access check, the parent-death signal armed again, signals unblocked,
// exec.
//
//go:norace
//go:nosplit
func protoExec(ps *State, id uint32, pathp *byte, n int, op string) bool {
	protoReportSignals(ps)
	protoConsume()
	path := uintptr(unsafe.Pointer(pathp))
	_, _, e := syscall.RawSyscall6(unix.SYS_FACCESSAT, atFdcwd, path, unix.X_OK, 0, 0, 0)
	if e == 0 {
		syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0, 0)
		e = protoExecLimits(ps, true)
	}
	if e == 0 {
		protoApplyCapDrop(ps)
		syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&ps.noSigs)), 0, 8, 0, 0)
		for e = syscall.EINTR; e == syscall.EINTR; {
			_, _, e = syscall.RawSyscall6(unix.SYS_EXECVE, path, uintptr(unsafe.Pointer(&ps.argv[0])),
				ps.execEnv, 0, 0, 0)
		}
		syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_BLOCK, uintptr(unsafe.Pointer(&ps.sigset)), 0, 8, 0, 0)
		protoExecLimits(ps, false) // the exec failed: the proto-node may still boot
	}
	protoReplyErr(ps, id, e, op, pathp, n)
	return true
}

// inCand says whether p points into ps.cand, where lookPath builds the
// paths it finds.
//
//go:norace
//go:nosplit
func inCand(ps *State, p *byte) bool {
	a, lo := uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&ps.cand[0]))
	return a >= lo && a < lo+uintptr(len(ps.cand))
}

// protoExecLimits applies the node's limits for programs (apply), keeping
// the old ones, or puts back the old ones of those it applied (also when
// one failed).
//
//go:norace
//go:nosplit
func protoExecLimits(ps *State, apply bool) syscall.Errno {
	var e syscall.Errno
	for i := 0; apply && i < ps.nExecLims && i < MaxExecLimits; i++ {
		_, _, e = syscall.RawSyscall6(unix.SYS_PRLIMIT64, 0, ps.execLims[i].Resource,
			uintptr(unsafe.Pointer(&ps.execLims[i].Lim)), uintptr(unsafe.Pointer(&ps.oldLim[i])), 0, 0)
		if e != 0 {
			break
		}
		ps.nApplied = i + 1
	}
	if !apply || e != 0 {
		for i := 0; i < ps.nApplied && i < MaxExecLimits; i++ {
			syscall.RawSyscall6(unix.SYS_PRLIMIT64, 0, ps.execLims[i].Resource, uintptr(unsafe.Pointer(&ps.oldLim[i])), 0, 0, 0)
		}
		ps.nApplied = 0
	}
	return e
}

// protoCarryCaps keeps the proto-node's capabilities across its boot. The
// memfd it executes has no file capabilities, so a process that is not
// root would lose them all (a binary given cap_sys_chroot+ep by setcap:
// chroot worked in the proto-node, not in the node it became), and so
// would root under secbit_noroot, which securebits_set may have set. So each
// permitted capability is made inheritable and ambient, which an exec
// keeps; the carried= word tells the node which of them it raised only for
// the boot (20 digits of the ambient mask, 20 of the inheritable one), and
// the node lowers those at its start, so that its programs do not inherit
// them.
//
//go:norace
//go:nosplit
func protoCarryCaps(ps *State) {
	if len(ps.carried) < 40 {
		return
	}
	euid, _, _ := syscall.RawSyscall(unix.SYS_GETEUID, 0, 0, 0)
	bits, _, _ := syscall.RawSyscall(unix.SYS_PRCTL, unix.PR_GET_SECUREBITS, 0, 0)
	if euid == 0 && bits&secbitNoroot == 0 {
		return // root's exec gives it its capabilities (not under secbit_noroot)
	}
	ps.capHdr = [2]uint32{unix.LINUX_CAPABILITY_VERSION_3, 0}
	if _, _, e := syscall.RawSyscall(unix.SYS_CAPGET, uintptr(unsafe.Pointer(&ps.capHdr[0])), uintptr(unsafe.Pointer(&ps.capData[0])), 0); e != 0 {
		return
	}
	perm := uint64(ps.capData[1]) | uint64(ps.capData[4])<<32
	inh := uint64(ps.capData[2]) | uint64(ps.capData[5])<<32
	if perm == 0 {
		return
	}
	ps.capData[2] |= ps.capData[1]
	ps.capData[5] |= ps.capData[4]
	if _, _, e := syscall.RawSyscall(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&ps.capHdr[0])), uintptr(unsafe.Pointer(&ps.capData[0])), 0); e != 0 {
		return
	}
	var amb uint64
	for c := uintptr(0); c < 64; c++ {
		if perm&(1<<c) == 0 {
			continue
		}
		set, _, _ := syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_IS_SET, c, 0, 0, 0)
		if set == 0 {
			if _, _, e := syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, c, 0, 0, 0); e == 0 {
				amb |= 1 << c
			}
		}
	}
	putDigits(ps.carried[:20], amb)
	putDigits(ps.carried[20:40], perm&^inh)
}

// protoBoot execs the node binary, which serves the message left in the
// socket. The signals pending are reported first (left pending, some
// would end the node: the Go runtime unblocks SIGTERM, SIGINT and others
// before it installs its handlers); caught signals stay blocked until the
// node has its handlers.
//
//go:norace
//go:nosplit
func protoBoot(ps *State) {
	protoReportSignals(ps)
	if ps.reapDue { // before the hand-over: the node would never learn of them
		ps.reapDue = false
		protoReap(ps)
	}
	var lim [2]uint64
	syscall.RawSyscall6(unix.SYS_PRLIMIT64, 0, unix.RLIMIT_NOFILE, 0, uintptr(unsafe.Pointer(&lim[0])), 0, 0)
	putDigits(ps.nofile, lim[0])
	protoCarryDrop(ps)
	protoCarryCaps(ps)
	protoHandOver(ps)
	syscall.RawSyscall6(unix.SYS_CLOSE, uintptr(ps.polls[2].fd), 0, 0, 0, 0, 0)
	for fd := uintptr(FdCtl); fd <= FdBell; fd++ {
		syscall.RawSyscall6(unix.SYS_FCNTL, fd, unix.F_SETFD, 0, 0, 0, 0)
	}
	empty := [1]byte{}
	syscall.RawSyscall6(unix.SYS_EXECVEAT, FdExe, uintptr(unsafe.Pointer(&empty[0])),
		uintptr(unsafe.Pointer(&ps.nodeArgv[0])), protoBootEnv(ps), unix.AT_EMPTY_PATH, 0)
	rawExit(111)
}

//go:norace
//go:nosplit
func putDigits(b []byte, v uint64) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
}

//go:norace
//go:nosplit
func rawExit(status uintptr) {
	for {
		syscall.RawSyscall6(unix.SYS_EXIT_GROUP, status, 0, 0, 0, 0, 0)
	}
}

// protoReplySkipped replies that a chained call was not made, as a node's
// replySkipped.
//
//go:norace
//go:nosplit
func protoReplySkipped(ps *State, id uint32) {
	b := ps.out[:wire.HeaderLen+13]
	b[0], b[1], b[2], b[3] = wire.MsgError, 0, 0, 0
	putLE32(b[4:], id)
	putLE32(b[8:], 0)
	b[12] = wire.ErrKindSkipped
	putLE32(b[13:], 0)
	putLE32(b[17:], 0)
	protoSend(b)
}

//go:norace
//go:nosplit
func protoSend(b []byte) {
	syscall.RawSyscall6(unix.SYS_SENDTO, FdCtl, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), unix.MSG_NOSIGNAL, 0, 0)
}

//go:norace
//go:nosplit
func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

//go:norace
//go:nosplit
func protoReplyInt(ps *State, id uint32, v int64) {
	protoSend(replyInt(ps, id, v))
}

// replyInt writes the reply of v into ps.out.
//
//go:norace
//go:nosplit
func replyInt(ps *State, id uint32, v int64) []byte {
	b := ps.out[:wire.HeaderLen+9]
	b[0], b[1], b[2], b[3] = wire.MsgReply, 0, 0, 0
	putLE32(b[4:], id)
	b[8] = wire.TagInt
	putLE32(b[9:], uint32(v))
	putLE32(b[13:], uint32(uint64(v)>>32))
	return b
}

// protoReplyErr replies nil on success, else an errno error as the node's
// sysErr (no path) or pathErr words it.
//
//go:norace
//go:nosplit
func protoReplyErr(ps *State, id uint32, e syscall.Errno, op string, path *byte, n int) {
	b := ps.out[:]
	b[0], b[1], b[2], b[3] = wire.MsgReply, 0, 0, 0
	putLE32(b[4:], id)
	if e == 0 {
		b[8] = wire.TagNil
		protoSend(b[:wire.HeaderLen+1])
		return
	}
	ps.failed = e
	b[0] = wire.MsgError
	putLE32(b[8:], uint32(e))
	b[12] = wire.ErrKindErrno
	putLE32(b[13:], uint32(len(op)))
	copy(b[17:], op)
	o := 17 + len(op)
	putLE32(b[o:], uint32(n))
	if n > 0 {
		copy(b[o+4:], unsafe.Slice(path, n))
	}
	protoSend(b[:o+4+n])
}
