package node

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
)

// unshare clone_newuser in place. The kernel refuses it to a process with
// more than one thread, and a Go program always has several, so the node
// re-executes itself: argv[1] is reexecFlag, the flags wait in a pipe at
// markerFd, and alshEntry (the ELF entry of the root's copy of the binary,
// proto.HookCopy, which runs before the Go runtime starts) unshares. The new image keeps the node's control socket,
// lifeline and memfd, takes its state from argv as a forked child does,
// writes the uid/gid maps, and answers the pending call.
//
//	node (old image)                      node (new image)
//	  unshare call id N
//	  fd 1023 <- flags; execveat(memfd) -->  alshEntry: unshare(flags)
//	                                         Go runtime starts, boot
//	                                         write /proc/self/*_map
//	                                         reply N (ok or the errno)
//

// Whether this node's copy of the binary (FdExe) enters through
// alshEntry (proto.HookCopy), and why not. The root sets them when it
// copies its binary, any node when it makes the hooked copy for an
// in-place unshare (ensureHookedExe); a node started from a hooked copy
// knows it from proto.EntryHooked.
var (
	exeHooked      bool
	errExeUnhooked error = errors.New("the binary's copy was not made")
)

const (
	reexecFlag = "-alsh-ux" // eight bytes: alshEntry compares it as one word
	markerFd   = 1023
)

// UnshareUser implements builtins.Node.
func (n *node) UnshareUser(flags int64, maps builtins.Record) error {
	n.ensureHookedExe()
	if !proto.EntryHooked() && !exeHooked {
		return fmt.Errorf("%w: unshare clone_newuser in place needs the node binary to enter through alsh's entry hook, and %v (linking with -ldflags=-E=%s gives the binary that entry); clone with clone_newuser works without it",
			builtins.ErrUnsupported, errExeUnhooked, proto.EntrySymbol)
	}
	if err := checkIDMaps(maps); err != nil {
		return err
	}
	if err := checkOwnMaps(maps); err != nil {
		return err
	}
	n.dropSpare()
	if len(n.children) > 0 {
		return fmt.Errorf("unshare clone_newuser: the node has %d children, which a re-execution would orphan: %w",
			len(n.children), unix.EBUSY)
	}
	if err := putMarker(flags); err != nil {
		return err
	}
	keep := n.keptFds()
	for _, fd := range keep {
		unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0)
	}
	err := n.reexec(maps)
	for _, fd := range keep { // still here: the exec failed
		unix.CloseOnExec(fd)
	}
	unix.Close(markerFd)
	return err
}

// putMarker leaves the flags for alshEntry in a pipe at markerFd.
func putMarker(flags int64) error {
	if _, err := unix.FcntlInt(markerFd, unix.F_GETFD, 0); err == nil {
		return fmt.Errorf("unshare clone_newuser: fd %d is in use: %w", markerFd, unix.EBUSY)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return os.NewSyscallError("pipe2", err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	unix.Write(p[1], binary.LittleEndian.AppendUint64(nil, uint64(flags)))
	if err := unix.Dup3(p[0], markerFd, 0); err != nil {
		return fmt.Errorf("unshare clone_newuser: RLIMIT_NOFILE must allow fd %d: %w", markerFd, err)
	}
	return nil
}

func (n *node) keptFds() []int {
	if n.lifeline < 0 {
		return []int{proto.FdCtl, proto.FdExe, proto.FdBell}
	}
	return []int{proto.FdCtl, proto.FdLifeline, proto.FdExe, proto.FdBell}
}

func (n *node) reexec(maps builtins.Record) error {
	n.ensureExe()
	argv := []string{os.Args[0], reexecFlag, "depth=" + strconv.Itoa(n.depth),
		"nofile=" + strconv.FormatUint(currentNofile(), 10), "opts=" + n.optsArg(),
		"reexec=" + strconv.FormatUint(uint64(n.callID), 10)}
	argv = append(argv, RuntimeArgs()...)
	argv = append(argv, n.inheritArgs()...)
	for _, k := range maps.Keys() {
		argv = append(argv, "map"+k+"="+maps[k].(string))
	}
	if n.lifeline < 0 {
		argv = append(argv, "root")
	}
	av, ev := proto.CStrings(argv), proto.CStrings(ChildEnv())
	empty := []byte{0}
	_, _, errno := syscall.RawSyscall6(unix.SYS_EXECVEAT, proto.FdExe, uintptr(unsafe.Pointer(&empty[0])),
		uintptr(unsafe.Pointer(&av[0])), uintptr(unsafe.Pointer(&ev[0])), unix.AT_EMPTY_PATH, 0)
	return os.NewSyscallError("execveat", errno)
}

// checkOwnMaps refuses, before anything changes, maps that a process
// cannot write for itself from inside its new user namespace: one line,
// mapping one id to its own uid (gid).
func checkOwnMaps(maps builtins.Record) error {
	for key, own := range map[string]int{"uid": unix.Geteuid(), "gid": unix.Getegid()} {
		s, ok := maps[key].(string)
		if !ok {
			continue
		}
		f := strings.Fields(s)
		if len(f) != 3 || f[1] != strconv.Itoa(own) || f[2] != "1" {
			return &builtins.ArgError{Call: "unshare", N: 2, Name: "maps",
				Msg: fmt.Sprintf("from inside, a process maps only its own %s, as in \"0 %d 1\" (for more, clone a child with clone_newuser)", key, own)}
		}
	}
	return nil
}

// finishReexec answers the unshare call that re-executed the node.
func (n *node) finishReexec(id string, kv bootWords) error {
	callID, err := strconv.ParseUint(id, 10, 32)
	if err != nil {
		return fmt.Errorf("bad reexec id %q", id)
	}
	if n.lifeline >= 0 { // the credentials changed: the kernel cleared it
		unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0)
	}
	if err := n.unshareResult(kv); err != nil {
		n.replyErr(uint32(callID), err)
		return nil
	}
	n.reply(uint32(callID), nil)
	return nil
}

func (n *node) unshareResult(kv bootWords) error {
	if proto.EntryUnshareResult() != 0 {
		return os.NewSyscallError("unshare", syscall.Errno(-proto.EntryUnshareResult()))
	}
	maps := builtins.Record{}
	for _, k := range []string{"uid", "gid", "setgroups"} {
		if v, ok := kv.get("map" + k); ok {
			maps[k] = v
		}
	}
	err := writeIDMapsIn("/proc/self", maps)
	switch {
	case errors.Is(err, unix.ENOENT):
		return fmt.Errorf("unshare clone_newuser: writing the maps needs /proc: %w", err)
	case errors.Is(err, unix.EPERM):
		return fmt.Errorf("unshare clone_newuser: from inside, a process maps only its own uid and gid, as in {uid: \"0 %d 1\", gid: \"0 %d 1\"} (for more, clone a child with clone_newuser): %w",
			unix.Geteuid(), unix.Getegid(), err)
	}
	return err
}
