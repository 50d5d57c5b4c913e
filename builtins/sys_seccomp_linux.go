package builtins

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins/seccomp"
)

// Node-side seccomp calls. seccomp_load installs the filter on the
// calling thread, the node's main thread, as the seccomp call does: the
// node's later calls and the program it execs run under it.

// compiledPolicy compiles a policy argument: a record, a Docker profile
// as JSON, or docker_default. It returns the program and the seccomp(2)
// flags the profile asks for.
func compiledPolicy(call string, v any) (*seccomp.Program, uint32, error) {
	p, flags, err := policyArg(v)
	if err == nil {
		var prog *seccomp.Program
		prog, err = seccomp.Compile(p)
		if err == nil {
			return prog, flags, nil
		}
	}
	return nil, 0, &ArgError{Call: call, N: 1, Name: "policy", Msg: err.Error()}
}

func policyArg(v any) (*seccomp.Policy, uint32, error) {
	switch v := v.(type) {
	case Record:
		p, err := policyRecord(v)
		return p, 0, err
	case string:
		return dockerProfile(v)
	case Const:
		if strings.ToLower(string(v)) == "docker_default" {
			return dockerProfile("")
		}
		return nil, 0, fmt.Errorf("unknown policy %s (want docker_default, a record or a profile's JSON)", v)
	}
	return nil, 0, wantGot("a record {default, rules}, a profile's JSON or docker_default", v)
}

// dockerProfile settles a Docker profile (json, or "" for Docker's
// default) for the node: its capability rules follow the node's bounding
// set, which is what the program it execs can have, as a container's
// capabilities are.
func dockerProfile(json string) (*seccomp.Policy, uint32, error) {
	caps, err := boundingNames()
	if err != nil {
		return nil, 0, err
	}
	return seccomp.DockerProfile(json, caps)
}

func boundingNames() ([]string, error) {
	l, err := sysCapbset(nil, nil)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, c := range l.([]any) {
		if name, ok := c.(Const); ok {
			names = append(names, strings.ToUpper(string(name)))
		}
	}
	return names, nil
}

// SeccompPlanMagic begins a seccomp_load plan: a policy compiled where a
// Go runtime runs, which the runtime-free code of package
// engine/internal/proto installs (rawseccomp_linux.go). The layout, in
// native-endian 64-bit words: the magic, the seccomp(2) flags, the count
// of instructions, then the program's raw sock_filter bytes. (A Docker profile's JSON never begins
// with a NUL.)
const SeccompPlanMagic = "\x00\xc1hshSC1"

// SeccompProgram is seccomp_load's work up to the system call, for a
// policy record (whose program does not depend on the process that loads
// it): the plan, and the result seccomp_load gives once it is installed.
// ok is false for a Docker profile (its rules follow the loading node's
// bounding set) or a policy that does not compile (seccomp_load words
// the error).
func SeccompProgram(policy any) (plan string, result Record, ok bool) {
	if _, isRecord := policy.(Record); !isRecord {
		return "", nil, false
	}
	key := Format(policy)
	planned, cached := seccompPlans.get(key)
	if !cached {
		planned = planSeccomp(policy)
		seccompPlans.put(key, planned)
	}
	if planned.prog == nil {
		return "", nil, false
	}
	return planned.plan, seccompLoaded(planned.prog), true
}

// seccompPlan is a policy's plan, or a nil prog where the node must load
// the policy itself.
type seccompPlan struct {
	prog *seccomp.Program
	plan string
}

func planSeccomp(policy any) seccompPlan {
	p, flags, err := compiledPolicy("seccomp_load", policy)
	if err != nil || flags != 0 { // flags (tsync) have their own results: the node's
		return seccompPlan{}
	}
	if !allowsBoot(p.Raw) { // the node loads it, having booted before
		return seccompPlan{}
	}
	b := binary.NativeEndian.AppendUint64([]byte(SeccompPlanMagic), uint64(flags))
	b = binary.NativeEndian.AppendUint64(b, uint64(len(p.Raw)))
	return seccompPlan{prog: p, plan: string(append(b, rawBytes(p.Raw)...))}
}

// seccompPlans keeps the plans of the last policies by their text: a
// sandbox made again and again loads the same policy, whose compile (a
// 40-rule policy: about 0.25 ms) was most of seccomp_load's time.
var seccompPlans = planCache{m: map[string]seccompPlan{}}

type planCache struct {
	mu sync.Mutex
	m  map[string]seccompPlan
}

func (c *planCache) get(key string) (seccompPlan, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[key]
	return p, ok
}

// put keeps at most 32 plans: past them, it forgets them all.
func (c *planCache) put(key string, p seccompPlan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= 32 {
		clear(c.m)
	}
	c.m[key] = p
}

// SeccompRefusesBoot: prog, seccomp's program as bytes, is a filter
// that a proto-node must not load itself (allowsBoot).
func SeccompRefusesBoot(prog string) bool {
	if len(prog) == 0 || len(prog)%8 != 0 {
		return false
	}
	raw := make([]bpf.RawInstruction, len(prog)/8)
	for i := range raw {
		b := prog[8*i:]
		raw[i] = bpf.RawInstruction{Op: binary.NativeEndian.Uint16([]byte(b[0:2])), Jt: b[2], Jf: b[3],
			K: binary.NativeEndian.Uint32([]byte(b[4:8]))}
	}
	insns, ok := bpf.Disassemble(raw)
	if !ok {
		return false // the kernel refuses it: nothing loaded
	}
	if _, err := bpf.NewVM(insns); err != nil {
		return false
	}
	return !allowsBoot(raw)
}

// allowsBoot: the filter lets a proto-node that loads it boot later, by
// execveat(FdExe, "", argv, envp, AT_EMPTY_PATH) of the node binary. A
// proto-node under a filter that refuses it would die at its boot, where
// a node that loaded it goes on. The filter is run on that call's
// seccomp_data (its pointers as 0) by golang.org/x/net/bpf's VM, which
// loads words big-endian: each native word is laid out so.
func allowsBoot(raw []bpf.RawInstruction) bool {
	var arch uint32
	switch runtime.GOARCH {
	case "amd64":
		arch = unix.AUDIT_ARCH_X86_64
	case "arm64":
		arch = unix.AUDIT_ARCH_AARCH64
	default:
		return false
	}
	const fdExe = 5 // proto.FdExe
	var data [64]byte
	binary.BigEndian.PutUint32(data[0:], unix.SYS_EXECVEAT)
	binary.BigEndian.PutUint32(data[4:], arch)
	binary.BigEndian.PutUint32(data[16:], fdExe)                  // args[0], low word
	binary.BigEndian.PutUint32(data[16+4*8:], unix.AT_EMPTY_PATH) // args[4], low word
	insns, ok := bpf.Disassemble(raw)
	if !ok {
		return false
	}
	vm, err := bpf.NewVM(insns)
	if err != nil {
		return false
	}
	r, err := vm.Run(data[:])
	action := uint32(r) & unix.SECCOMP_RET_ACTION_FULL
	return err == nil && (action == unix.SECCOMP_RET_ALLOW || action == unix.SECCOMP_RET_LOG)
}

func seccompLoaded(prog *seccomp.Program) Record {
	return Record{"instructions": int64(prog.Len()), "skipped": stringList(prog.Skipped)}
}

func sysSeccompLoad(_ Node, a Args) (any, error) {
	prog, flags, err := compiledPolicy("seccomp_load", a.Value(0))
	if err != nil {
		return nil, err
	}
	fprog, err := bpfProg(string(rawBytes(prog.Raw)))
	if err != nil {
		return nil, err
	}
	r, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), fprog.Word)
	runtime.KeepAlive(fprog)
	if e == unix.EACCES {
		return nil, fmt.Errorf("seccomp_load: the node has neither no_new_privs nor cap_sys_admin: %w", e)
	}
	if e != 0 {
		return nil, sysErr("seccomp", e)
	}
	if err := tsyncFailed("seccomp_load", uintptr(unix.SECCOMP_SET_MODE_FILTER), uintptr(flags), r); err != nil {
		return nil, err
	}
	return seccompLoaded(prog), nil
}

func rawBytes(raw []bpf.RawInstruction) []byte {
	b := make([]byte, 0, 8*len(raw))
	for _, r := range raw {
		b = binary.NativeEndian.AppendUint16(b, r.Op)
		b = append(b, r.Jt, r.Jf)
		b = binary.NativeEndian.AppendUint32(b, r.K)
	}
	return b
}

func sysSeccompCompile(_ Node, a Args) (any, error) {
	prog, _, err := compiledPolicy("seccomp_compile", a.Value(0))
	if err != nil {
		return nil, err
	}
	return programList(prog), nil
}

// sysSeccompDisasm disassembles a policy's program, or a list of raw
// instructions as the seccomp call takes them.
func sysSeccompDisasm(_ Node, a Args) (any, error) {
	if l, ok := a.Value(0).([]any); ok {
		b, err := bpfInstructions(l)
		if err != nil {
			return nil, &ArgError{Call: "seccomp_disasm", N: 1, Name: "policy", Msg: err.Error()}
		}
		return strings.Join(seccomp.DisassembleRaw(rawInstructions(b)), "\n") + "\n", nil
	}
	prog, _, err := compiledPolicy("seccomp_disasm", a.Value(0))
	if err != nil {
		return nil, err
	}
	return strings.Join(prog.Disassemble(), "\n") + "\n", nil
}

func rawInstructions(b []byte) []bpf.RawInstruction {
	out := make([]bpf.RawInstruction, len(b)/8)
	for i := range out {
		w := b[8*i:]
		out[i] = bpf.RawInstruction{Op: binary.NativeEndian.Uint16(w), Jt: w[2], Jf: w[3], K: binary.NativeEndian.Uint32(w[4:])}
	}
	return out
}

// tsyncFailed reads seccomp(2)'s positive return: with
// seccomp_filter_flag_tsync (and without tsync_esrch), a thread that
// could not be synchronised is not an errno but its thread id, and no
// filter was installed. (With new_listener, a positive return is the
// listener's fd instead.)
func tsyncFailed(call string, op, flags, r uintptr) error {
	const tsync, listener = unix.SECCOMP_FILTER_FLAG_TSYNC, unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	if op != unix.SECCOMP_SET_MODE_FILTER || flags&tsync == 0 || flags&listener != 0 || r == 0 {
		return nil
	}
	return fmt.Errorf("%s: thread %d of the node could not be synchronised (seccomp_filter_flag_tsync): no filter was installed: %w",
		call, r, unix.ESRCH)
}
