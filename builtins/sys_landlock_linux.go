package builtins

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Node-side Landlock calls, on x/sys's syscall numbers: go-landlock's
// syscall layer would bring libcap's psx along for its all-threads
// helpers, which a node must not use (restriction is per thread, and the
// node's main thread is the one that runs its calls and execs).

// rulesetAttr is struct landlock_ruleset_attr up to handled_access_net
// (ABI 4); the kernel takes a shorter struct from an older ABI's view.
type rulesetAttr struct {
	fs, net uint64
}

type pathBeneathAttr struct {
	allowed uint64
	fd      int32
}

type netPortAttr struct {
	allowed uint64
	port    uint64
}

func landlockABI() (int, error) {
	r, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e != 0 {
		return 0, sysErr("landlock_create_ruleset", e)
	}
	return int(r), nil
}

func sysLandlockABI(Node, Args) (any, error) {
	abi, err := landlockABI()
	return int64(abi), err
}

// createRuleset checks the rights against the running ABI, so that a
// right the kernel lacks is named rather than an einval.
func createRuleset(fs, net uint64) (int, error) {
	abi, err := landlockABI()
	if err != nil {
		return -1, err
	}
	if _, lack := supported("landlock_fs", fs, abi); lack != 0 {
		return -1, lackError("landlock_fs", lack, abi)
	}
	if _, lack := supported("landlock_net", net, abi); lack != 0 {
		return -1, lackError("landlock_net", lack, abi)
	}
	attr := rulesetAttr{fs: fs, net: net}
	size := unsafe.Sizeof(attr)
	if net == 0 {
		size = unsafe.Sizeof(attr.fs) // what ABI 1 to 3 know
	}
	r, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if e != 0 {
		return -1, sysErr("landlock_create_ruleset", e)
	}
	unix.CloseOnExec(int(r))
	return int(r), nil
}

func sysLandlockCreateRuleset(_ Node, a Args) (any, error) {
	var net int64
	if a.Has(1) {
		net = a.Int(1)
	}
	fd, err := createRuleset(uint64(a.Int(0)), uint64(net))
	return int64(fd), err
}

// addPathRule allows rights beneath path. On a file, the rights that
// apply only to directories are refused (the kernel's einval, named), or,
// with fileOnly, left out.
func addPathRule(ruleset int, path string, rights uint64, fileOnly bool) error {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return pathErr("open", path, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return pathErr("fstat", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		dirOnly := rights &^ rightsMask("landlock_fs", fileRights...)
		if dirOnly != 0 && !fileOnly {
			return fmt.Errorf("landlock_add_rule: %s is not a directory: %v apply to directories only", path, rightNames("landlock_fs", dirOnly))
		}
		rights &^= dirOnly
	}
	attr := pathBeneathAttr{allowed: rights, fd: int32(fd)}
	return addRule(unix.LANDLOCK_RULE_PATH_BENEATH, unsafe.Pointer(&attr), ruleset, path)
}

func addRule(typ int, attr unsafe.Pointer, ruleset int, what string) error {
	_, _, e := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), uintptr(typ), uintptr(attr), 0, 0, 0)
	runtime.KeepAlive(attr)
	if e != 0 {
		return &os.PathError{Op: "landlock_add_rule", Path: what, Err: e}
	}
	return nil
}

func sysLandlockAddRule(_ Node, a Args) (any, error) {
	return ok(addPathRule(int(a.Int(0)), a.Str(1), uint64(a.Int(2)), false))
}

// landlockRuleNetPort is LANDLOCK_RULE_NET_PORT (ABI 4), which x/sys
// does not export.
const landlockRuleNetPort = 2

func addPortRule(ruleset int, port, rights uint64) error {
	attr := netPortAttr{allowed: rights, port: port}
	return addRule(landlockRuleNetPort, unsafe.Pointer(&attr), ruleset, fmt.Sprintf("port %d", port))
}

func sysLandlockAddPort(_ Node, a Args) (any, error) {
	return ok(addPortRule(int(a.Int(0)), uint64(a.Int(1)), uint64(a.Int(2))))
}

// ImageFd is the fd of the alsh binary's image that a node boots from
// and starts its children with (the engine's FdExe), or -1. A Landlock
// domain keeps it executable, as it kept a memfd copy, which Landlock
// does not govern: else a node under a domain that handles
// landlock_fs_execute could start no child. The node sets it at its
// start; the runtime-free landlock does the same (package proto).
var ImageFd = -1

// keepImageExecutable adds the image to the ruleset with the rights an
// exec needs (execute, and read_file: the exec opens it for reading),
// those of them the ruleset handles: a rule's rights must be handled
// ones, and the ruleset's are not known here, so each set is tried. It
// fails, harmlessly, when the ruleset handles neither (nothing to keep)
// or the image is a memfd (nothing to govern).
func keepImageExecutable(ruleset int) {
	if ImageFd < 0 {
		return
	}
	for _, rights := range []uint64{unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_READ_FILE,
		unix.LANDLOCK_ACCESS_FS_EXECUTE, unix.LANDLOCK_ACCESS_FS_READ_FILE} {
		attr := pathBeneathAttr{allowed: rights, fd: int32(ImageFd)}
		_, _, e := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&attr)), 0, 0, 0)
		if e != unix.EINVAL {
			return
		}
	}
}

func restrictSelf(ruleset int) error {
	keepImageExecutable(ruleset)
	_, _, e := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(ruleset), 0, 0)
	if e == unix.EPERM {
		return fmt.Errorf("landlock_restrict_self: the node has neither no_new_privs nor cap_sys_admin: %w", e)
	}
	return sysErr("landlock_restrict_self", errnoErr(e))
}

func sysLandlockRestrictSelf(_ Node, a Args) (any, error) {
	return ok(restrictSelf(int(a.Int(0))))
}

// sysLandlock is the one-call form: a ruleset handling every right alsh
// knows the running ABI has (in strict mode, every right alsh knows),
// the rules, no_new_privs, restrict_self.
func sysLandlock(_ Node, a Args) (any, error) {
	s, err := sandboxArg(a.Value(0))
	if err != nil {
		return nil, &ArgError{Call: "landlock", N: 1, Name: "paths", Msg: err.Error()}
	}
	abi, err := landlockABI()
	if err != nil {
		return nil, err
	}
	fs, net, unenforced, err := s.handled(abi)
	if err != nil {
		return nil, fmt.Errorf("landlock: %w (mode: best_effort leaves them out)", err)
	}
	if err := s.enforce(fs, net); err != nil {
		return nil, err
	}
	return Record{"abi": int64(abi), "fs": constList(rightNames("landlock_fs", fs)),
		"net": constList(rightNames("landlock_net", net)), "unenforced": constList(unenforced)}, nil
}

func (s *sandbox) enforce(fs, net uint64) error {
	rs, err := createRuleset(fs, net)
	if err != nil {
		return err
	}
	defer unix.Close(rs)
	for _, p := range s.paths {
		if err := addPathRule(rs, p.path, p.rights&fs, true); err != nil {
			return err
		}
	}
	for _, p := range s.ports {
		if p.rights&net == 0 {
			continue // best effort, on an ABI without network rights
		}
		if err := addPortRule(rs, p.port, p.rights&net); err != nil {
			return err
		}
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return sysErr("prctl PR_SET_NO_NEW_PRIVS", err)
	}
	if err := restrictSelf(rs); err != nil {
		return fmt.Errorf("landlock: no_new_privs is set, but %w", err)
	}
	return nil
}

// LandlockPlanMagic begins a landlock plan: the landlock call's work,
// settled where a Go runtime runs, for the runtime-free code of package
// engine/internal/proto to make (rawlandlock_linux.go). The layout, in
// native-endian 64-bit words: the magic, the handled fs and net rights,
// the count of paths and of ports; per path, its rights on a directory,
// its rights on a file, its length, then its bytes and a NUL, padded to 8;
// per port, the port and its rights.
const LandlockPlanMagic = "\x00alshLL1"

// LandlockPlan is the landlock call's work up to the system calls, for
// the running kernel's ABI abi: the plan, and the result landlock gives
// once it is enforced. ok is false for paths that landlock refuses (it
// words the error).
func LandlockPlan(paths any, abi int) (plan string, result Record, ok bool) {
	s, err := sandboxArg(paths)
	if err != nil {
		return "", nil, false
	}
	fs, net, unenforced, err := s.handled(abi)
	if err != nil {
		return "", nil, false
	}
	b := append([]byte(nil), LandlockPlanMagic...)
	word := func(v uint64) { b = binary.NativeEndian.AppendUint64(b, v) }
	var ports []portRule
	for _, p := range s.ports {
		if p.rights&net != 0 { // best effort, on an ABI without network rights
			ports = append(ports, portRule{port: p.port, rights: p.rights & net})
		}
	}
	word(fs)
	word(net)
	word(uint64(len(s.paths)))
	word(uint64(len(ports)))
	for _, p := range s.paths {
		if strings.IndexByte(p.path, 0) >= 0 {
			return "", nil, false // open's einval, which landlock words
		}
		rights := p.rights & fs
		word(rights)
		word(rights & rightsMask("landlock_fs", fileRights...))
		word(uint64(len(p.path)))
		b = append(b, p.path...)
		b = append(b, make([]byte, 8-len(p.path)%8)...) // the NUL, and padding
	}
	for _, p := range ports {
		word(p.port)
		word(p.rights)
	}
	return string(b), Record{"abi": int64(abi), "fs": constList(rightNames("landlock_fs", fs)),
		"net": constList(rightNames("landlock_net", net)), "unenforced": constList(unenforced)}, true
}

// LandlockABI is the running kernel's Landlock ABI.
func LandlockABI() (int, error) { return landlockABI() }
