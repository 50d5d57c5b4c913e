package node

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
)

// Spawn implements builtins.Node: fork and clone. The child is a
// proto-node (forkProto), or, in a race build, executes the binary's
// image at once (spawn); its parent-side fds go to the driver.
func (n *node) Spawn(flags int64, maps builtins.Record) (*builtins.Spawned, error) {
	if !n.canFork() {
		return nil, os.NewSyscallError("fork", unix.EAGAIN)
	}
	if flags&^(proto.CloneFlags|unix.CLONE_NEWUSER) != 0 { // see proto.CloneFlags
		return nil, os.NewSyscallError(cloneName(uintptr(flags)), unix.EINVAL)
	}
	if len(maps) == 0 {
		if n.spareFlags != flags {
			n.dropSpare()
		}
		n.spareFlags = flags
		if s := n.takeSpare(uintptr(flags)); s != nil {
			return s, nil
		}
	}
	if err := checkIDMaps(maps); err != nil {
		return nil, err
	}
	userns := flags&unix.CLONE_NEWUSER != 0
	asProto := proto.Supported && !(userns && protoUsernsRefused)
	// A sync pipe when the parent writes maps; the full node's child
	// always waits on one.
	p, err := n.plumbing.take(userns && (len(maps) > 0 || !asProto), !asProto)
	if err != nil {
		return nil, err
	}
	var pid int
	var ps *proto.State
	if asProto {
		pid, ps, err = n.forkProto(p, uintptr(flags), maps)
		if userns && errors.Is(err, unix.EINVAL) {
			// The kernel refuses clone_newuser with CLONE_VM (none known
			// does): full nodes, as before proto-nodes took it.
			protoUsernsRefused, asProto = true, false
			p.closeAll()
			if p, err = n.plumbing.take(true, true); err != nil {
				return nil, err
			}
		}
	}
	if !asProto {
		pid, err = n.spawn(p, uintptr(flags), maps)
	}
	if err != nil {
		p.closeChildEnds()
		p.closeParentEnds()
		return nil, err
	}
	n.keepChildEnds(p)
	n.children[pid] = &child{lifeW: p.lifeW, proto: ps}
	n.plumbing.forked(asProto)
	return &builtins.Spawned{Pid: pid, Fds: p.nodeFds()}, nil
}

// protoUsernsRefused: the kernel refused a proto-node in a new user
// namespace (clone3 with CLONE_NEWUSER and CLONE_VM) with einval; such
// clones start full nodes.
var protoUsernsRefused bool

// nodeFds are the fds of a new child node that go to the driver, in the
// order attach takes them.
func (p *spawnPipes) nodeFds() []int {
	return []int{p.ctl, p.stdinW, p.stdoutR, p.stderrR, p.bell}
}

// spawnPipes are the fds of one spawn, each end close-on-exec.
type spawnPipes struct {
	ctl, ctlChild    int
	stdinR, stdinW   int
	stdoutR, stdoutW int
	stderrR, stderrW int
	lifeR, lifeW     int
	errR, errW       int
	syncR, syncW     int // only with clone_newuser, else -1
	bell             int // a child node's (openBell), else -1
	opened           []*int
}

// open makes the pipes; the error pipe only for a child that execs at
// once (a proto-node reports its own failures), the sync pipe only with
// clone_newuser.
func (p *spawnPipes) open(userns, errPipe bool) error {
	p.syncR, p.syncW, p.errR, p.errW, p.bell = -1, -1, -1, -1, -1
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socketpair", err)
	}
	p.ctl, p.ctlChild = sp[0], sp[1]
	p.opened = append(p.opened, &p.ctl, &p.ctlChild)
	// The child's first message then carries its credentials, with its pid
	// as the driver sees it (a child in a new pid namespace is pid 1 to
	// itself).
	unix.SetsockoptInt(p.ctl, unix.SOL_SOCKET, unix.SO_PASSCRED, 1)
	pairs := [][2]*int{{&p.stdinR, &p.stdinW}, {&p.stdoutR, &p.stdoutW}, {&p.stderrR, &p.stderrW}, {&p.lifeR, &p.lifeW}}
	if errPipe {
		pairs = append(pairs, [2]*int{&p.errR, &p.errW})
	}
	for _, pair := range pairs {
		var fds [2]int
		if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
			return os.NewSyscallError("pipe2", err)
		}
		*pair[0], *pair[1] = fds[0], fds[1]
		p.opened = append(p.opened, pair[0], pair[1])
	}
	if userns {
		var fds [2]int
		if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
			return os.NewSyscallError("pipe2", err)
		}
		p.syncR, p.syncW = fds[0], fds[1]
		p.opened = append(p.opened, &p.syncR, &p.syncW)
	}
	return nil
}

// openBell makes a child node's bell: the child gets it as proto.FdBell, the
// driver with the fork's reply.
func (p *spawnPipes) openBell() error {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return os.NewSyscallError("eventfd", err)
	}
	p.bell = fd
	p.opened = append(p.opened, &p.bell)
	return nil
}

// openNode opens what a child node needs: the pipes and its bell.
func (p *spawnPipes) openNode(userns, errPipe bool) error {
	if err := p.open(userns, errPipe); err != nil {
		return err
	}
	return p.openBell()
}

func closeFds(fds ...*int) {
	for _, fd := range fds {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
}

func (p *spawnPipes) closeAll() { closeFds(p.opened...) }

// keepChildEnds leaves a new child's ends of its pipes open until after
// the fork's reply (closeAfterReply).
func (n *node) keepChildEnds(p *spawnPipes) {
	for _, fd := range []*int{&p.ctlChild, &p.stdinR, &p.stdoutW, &p.stderrW, &p.lifeR, &p.errR, &p.errW, &p.syncR, &p.syncW} {
		if *fd >= 0 {
			n.afterReply = append(n.afterReply, *fd)
			*fd = -1
		}
	}
}

func (p *spawnPipes) closeChildEnds() {
	closeFds(&p.ctlChild, &p.stdinR, &p.stdoutW, &p.stderrW, &p.lifeR, &p.errR, &p.errW, &p.syncR, &p.syncW)
}

func (p *spawnPipes) closeParentEnds() {
	closeFds(&p.ctl, &p.stdinW, &p.stdoutR, &p.stderrR, &p.lifeW, &p.bell)
}

// spawn clones the child and waits for its exec of the node binary (or
// its failure, reported as an errno on the error pipe).
func (n *node) spawn(p *spawnPipes, flags uintptr, maps builtins.Record) (int, error) {
	n.ensureExe()
	s := &proto.SpawnArgs{
		Fds:       [proto.NSpawnFds]int{p.stdinR, p.stdoutW, p.stderrW, p.ctlChild, p.lifeR, proto.FdExe, p.bell},
		Argv:      proto.CStrings(n.childArgv()),
		Envv:      proto.CStrings(ChildEnv()),
		ErrPipe:   p.errW,
		Flags:     flags,
		Pdeathsig: uintptr(unix.SIGKILL),
		SyncR:     p.syncR,
		SyncW:     p.syncW,
		Uid:       firstInsideID(maps, "uid"),
		Gid:       firstInsideID(maps, "gid"),
	}
	pid, errno := proto.RawSpawn(s)
	if errno != 0 {
		return 0, os.NewSyscallError(cloneName(flags), errno)
	}
	if p.syncW >= 0 {
		err := writeIDMaps(pid, maps)
		closeFds(&p.syncW) // the child goes on
		if err != nil {
			unix.Kill(pid, unix.SIGKILL)
			reapNow(pid)
			return 0, err
		}
	}
	unix.Close(p.errW)
	p.errW = -1
	if err := readChildErr(p.errR); err != nil {
		reapNow(pid)
		return 0, err
	}
	return pid, nil
}

// childArgv is a child node's argv; word argNofile is nofileArg.
func (n *node) childArgv() []string {
	argv := []string{os.Args[0], Flag, depthArg(n.depth + 1), nofileArg(), carriedArg, "opts=" + n.optsArg()}
	argv = append(argv, RuntimeArgs()...)
	return append(argv, n.inheritArgs()...)
}

const (
	argDepth   = 2
	argNofile  = 3
	argCarried = 4
)

// depthArg is the depth= word, proto.DepthDigits wide: a proto-node's
// own child raises it in place.
func depthArg(depth int) string {
	s := strings.Repeat("0", proto.DepthDigits) + itoa(depth)
	return "depth=" + s[len(s)-proto.DepthDigits:]
}

// carriedArg is the word a proto-node fills, at its boot, with the
// capabilities it carried across (proto.protoCarryCaps): 40 digits, and
// the bounding-set drops it held back (proto's capDrop): 20 more.
var carriedArg = "carried=" + strings.Repeat("0", 60)

// NodeGODEBUG is what a node's Go runtime starts with in GODEBUG, after
// the user's own settings (the last one wins). The runtime reads these
// only at its start, so restoring the user's GODEBUG keeps them.
//   - asyncpreemptoff=1 keeps the runtime from signalling the node's
//     thread (SIGURG) to preempt it, which a node's GC did with two Ps
//     (runNode) and which stops a node traced after ptrace_traceme
//     before its exec (TestPtraceStopIsAnEvent failed 1 run in 3 under
//     load). The node's one goroutine reaches a safe point at its next
//     call of a function, or is in a syscall.
//   - profstackdepth=0: no stacks kept for profiles, which a node never
//     takes: two 1152-byte buffers less for each of its threads.
//   - updatemaxprocs=0: no goroutine, nor check by sysmon each second,
//     for a GOMAXPROCS that runNode sets itself.
const NodeGODEBUG = "asyncpreemptoff=1,profstackdepth=0,updatemaxprocs=0"

// ChildEnv is the node's environment for a child node's Go runtime, with
// the settings of runtimeSettings, which the child's argv undoes
// (RuntimeArgs, restoreEnv) before anything can see or exec with them.
func ChildEnv() []string {
	settings := runtimeSettings()
	env := make([]string, 0, len(os.Environ())+len(settings))
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(settings, func(s [2]string) bool { return s[0] == name }) {
			env = append(env, kv)
		}
	}
	for _, s := range settings {
		env = append(env, s[0]+"="+s[1])
	}
	return env
}

// runtimeSettings are the variables a child node's Go runtime starts with
// (name, value):
//   - GOMAXPROCS=1 spares the runtime reading the cgroup CPU limits at
//     start;
//   - GODEBUG NodeGODEBUG;
//   - in a race build, GORACE atexit_sleep_ms=0: the race runtime slept
//     1 s in every node's exit.
func runtimeSettings() [][2]string {
	debug := NodeGODEBUG
	if v := os.Getenv("GODEBUG"); v != "" {
		debug = v + "," + debug // the last setting wins
	}
	s := [][2]string{{"GOMAXPROCS", "1"}, {"GODEBUG", debug}}
	if proto.RaceEnabled {
		s = append(s, [2]string{"GORACE", strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")})
	}
	return s
}

// RuntimeArgs tell a child node the user's values of the variables
// runtimeSettings changes: "gomaxprocs=V", or "gomaxprocs" when unset.
func RuntimeArgs() []string {
	var args []string
	for _, s := range runtimeSettings() {
		key := strings.ToLower(s[0])
		if v, ok := os.LookupEnv(s[0]); ok {
			key += "=" + v
		}
		args = append(args, key)
	}
	return args
}

func cloneName(flags uintptr) string {
	if flags == 0 {
		return "fork"
	}
	return "clone"
}

// readChildErr reads the error pipe: EOF means the exec succeeded.
func readChildErr(fd int) error {
	var errno syscall.Errno
	buf := (*[unsafe.Sizeof(errno)]byte)(unsafe.Pointer(&errno))[:]
	for {
		m, err := unix.Read(fd, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if m == len(buf) {
			return os.NewSyscallError("execveat", errno)
		}
		return nil
	}
}

func reapNow(pid int) {
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(pid, &ws, unix.WALL, nil); !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

// checkIDMaps checks clone's maps argument: uid and gid lines as in
// user_namespaces(7), and setgroups ("deny" by default when gid is given).
func checkIDMaps(maps builtins.Record) error {
	for _, k := range maps.Keys() {
		if _, ok := maps[k].(string); !ok || (k != "uid" && k != "gid" && k != "setgroups") {
			return &builtins.ArgError{Call: "clone", N: 2, Name: "maps",
				Msg: fmt.Sprintf("unknown field %s or not a string (want uid: \"0 1000 1\", gid: …, setgroups: \"deny\")", k)}
		}
	}
	return nil
}

// firstInsideID is the id a map's first line starts with inside the
// namespace: the child takes it before exec (root, with "0 …").
func firstInsideID(maps builtins.Record, key string) int {
	s, _ := maps[key].(string)
	f := strings.Fields(s)
	if len(f) == 0 {
		return -1
	}
	id, err := strconv.Atoi(f[0])
	if err != nil {
		return -1
	}
	return id
}

// writeIDMaps writes uid_map and gid_map of a child in a new user
// namespace, as clone's maps argument gives them. setgroups is denied
// first, as the kernel requires for an unprivileged gid_map.
func writeIDMaps(pid int, maps builtins.Record) error {
	return writeIDMapsIn("/proc/"+strconv.Itoa(pid), maps)
}

// writeIDMapsIn writes the maps into a /proc/PID directory.
func writeIDMapsIn(dir string, maps builtins.Record) error {
	if len(maps) == 0 {
		return nil
	}
	order := []struct{ key, file string }{{"uid", "uid_map"}, {"setgroups", "setgroups"}, {"gid", "gid_map"}}
	if _, ok := maps["setgroups"]; !ok && maps["gid"] != nil {
		maps["setgroups"] = "deny"
	}
	for _, o := range order {
		v, ok := maps[o.key].(string)
		if !ok {
			continue
		}
		path := dir + "/" + o.file
		if err := writeFile(path, v); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path, data string) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte(data)); err != nil {
		return &os.PathError{Op: "write", Path: path, Err: err}
	}
	return nil
}
