package node

import (
	"fmt"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
)

// SpawnProgram implements builtins.Node: fork and exec in one step, with
// no node in between (a Go runtime start saved), and the sandbox of opts
// applied between the two. The program is a child of this node like an
// exec'd child node: its stdio goes to the driver, its exit is an event.
func (n *node) SpawnProgram(file string, argv []string, opts builtins.Record) (*builtins.Spawned, error) {
	if !n.canFork() {
		return nil, os.NewSyscallError("fork", unix.EAGAIN)
	}
	s, err := programArgs(file, argv, opts)
	if err != nil {
		return nil, err
	}
	n.spawnExecLimits(s)
	var p spawnPipes
	if err := p.open(false, true); err != nil {
		p.closeAll()
		return nil, err
	}
	s.Fds = [proto.NSpawnFds]int{p.stdinR, p.stdoutW, p.stderrW, -1, -1, -1, -1}
	s.ErrPipe = p.errW
	pid, err := startProgram(s, &p)
	p.closeChildEnds()
	closeFds(&p.ctl, &p.lifeW)
	if err != nil {
		p.closeParentEnds()
		return nil, err
	}
	n.children[pid] = &child{lifeW: -1}
	return &builtins.Spawned{Pid: pid, Fds: []int{p.stdinW, p.stdoutR, p.stderrR}}, nil
}

func startProgram(s *proto.SpawnArgs, p *spawnPipes) (int, error) {
	pid, errno := proto.RawSpawn(s)
	if errno != 0 {
		return 0, os.NewSyscallError("fork", errno)
	}
	closeFds(&p.errW)
	if err := readChildErr(p.errR); err != nil {
		reapNow(pid)
		return 0, err
	}
	return pid, nil
}

// programArgs turns spawn's arguments into what the child needs. Without
// a chroot the file is looked up in PATH (execvp); with one it must be a
// path inside the new root.
func programArgs(file string, argv []string, opts builtins.Record) (*proto.SpawnArgs, error) {
	s := &proto.SpawnArgs{Uid: -1, Gid: -1, SyncR: -1, SyncW: -1, Pdeathsig: uintptr(unix.SIGKILL)}
	env := os.Environ()
	path := file
	for _, k := range opts.Keys() {
		if err := setOpt(s, k, opts[k], &env); err != nil {
			return nil, &builtins.ArgError{Call: "spawn", N: 3, Name: "opts", Msg: err.Error()}
		}
	}
	if s.Chroot == nil {
		found, err := exec.LookPath(file)
		if err != nil {
			return nil, &os.PathError{Op: "spawn", Path: file, Err: unix.ENOENT}
		}
		path = found
	}
	s.Path = cString(path)
	s.Argv, s.Envv = proto.CStrings(argv), proto.CStrings(env)
	return s, nil
}

func setOpt(s *proto.SpawnArgs, key string, v any, env *[]string) error {
	switch key {
	case "chroot", "chdir":
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: want a path string", key)
		}
		if key == "chroot" {
			s.Chroot = cString(str)
		} else {
			s.Chdir = cString(str)
		}
	case "uid", "gid":
		id, ok := v.(int64)
		if !ok || id < 0 {
			return fmt.Errorf("%s: want an id", key)
		}
		if key == "uid" {
			s.Uid = int(id)
		} else {
			s.Gid, s.DropGroups = int(id), true
		}
	case "env":
		return setEnvOpt(v, env)
	case "rlimits":
		return setRlimits(s, v)
	default:
		return fmt.Errorf("unknown field %s (want env, rlimits, chroot, chdir, gid, uid)", key)
	}
	return nil
}

func setEnvOpt(v any, env *[]string) error {
	l, ok := v.([]any)
	if !ok {
		return fmt.Errorf("env: want a list of NAME=value strings")
	}
	*env = (*env)[:0]
	for _, e := range l {
		s, ok := e.(string)
		if !ok {
			return fmt.Errorf("env: want strings, got %s", builtins.TypeName(e))
		}
		*env = append(*env, s)
	}
	return nil
}

// setRlimits reads {nofile: {cur: 0, max: 0}, rlimit_nproc: {…}}.
func setRlimits(s *proto.SpawnArgs, v any) error {
	r, ok := v.(builtins.Record)
	if !ok {
		return fmt.Errorf("rlimits: want a record such as {nofile: {cur: 0, max: 0}}")
	}
	for _, name := range r.Keys() {
		res, err := builtins.Constant("rlimit", "rlimit_"+strings.TrimPrefix(strings.ToLower(name), "rlimit_"))
		if err != nil {
			return fmt.Errorf("rlimits: %w", err)
		}
		lim, ok := r[name].(builtins.Record)
		cur, okc := lim["cur"].(int64)
		max, okm := lim["max"].(int64)
		if !ok || !okc || !okm {
			return fmt.Errorf("rlimits: %s: want {cur: N, max: N}", name)
		}
		s.Rlimits = append(s.Rlimits, proto.SpawnRlimit{Resource: uintptr(res), Lim: unix.Rlimit{Cur: uint64(cur), Max: uint64(max)}})
	}
	return nil
}

func cString(s string) *byte {
	return proto.CStrings([]string{s})[0]
}
