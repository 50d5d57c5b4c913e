package seccomp

import (
	"fmt"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// The OCI runtime spec's seccomp section (what a Docker profile becomes
// once its conditions are settled for a host) as a Policy.

// eperm is the errno of SCMP_ACT_ERRNO without errnoRet, as runc gives it.
const eperm = 1

var ociActions = map[specs.LinuxSeccompAction]ActionKind{
	specs.ActAllow: Allow, specs.ActErrno: Errno, specs.ActKillProcess: KillProcess,
	specs.ActKill: KillThread, specs.ActKillThread: KillThread, specs.ActLog: Log,
}

var ociOps = map[specs.LinuxSeccompOperator]Op{
	specs.OpEqualTo: Eq, specs.OpNotEqual: Ne, specs.OpLessThan: Lt, specs.OpLessEqual: Le,
	specs.OpGreaterThan: Gt, specs.OpGreaterEqual: Ge, specs.OpMaskedEqual: MaskedEq,
}

// Filter flags of seccomp(2) a profile may ask for.
var ociFlags = map[specs.LinuxSeccompFlag]uint32{
	"SECCOMP_FILTER_FLAG_TSYNC": 1, "SECCOMP_FILTER_FLAG_LOG": 2, "SECCOMP_FILTER_FLAG_SPEC_ALLOW": 4,
}

// FromOCI converts a profile. It must cover x86_64; its other
// architectures (Docker lists x86 and x32) are not compiled: their
// syscalls kill the process. Syscall names x86_64 lacks are skipped, as
// runc skips them. It also returns the seccomp(2) flags the profile asks
// for.
func FromOCI(s *specs.LinuxSeccomp) (*Policy, uint32, error) {
	if err := checkArches(s.Architectures); err != nil {
		return nil, 0, err
	}
	flags, err := ociFlagBits(s.Flags)
	if err != nil {
		return nil, 0, err
	}
	def, err := ociAction(s.DefaultAction, s.DefaultErrnoRet)
	if err != nil {
		return nil, 0, fmt.Errorf("defaultAction: %w", err)
	}
	p := &Policy{Default: def, IgnoreUnknown: true}
	for i, sc := range s.Syscalls {
		rules, err := ociRules(sc)
		if err != nil {
			return nil, 0, fmt.Errorf("syscalls[%d] (%s): %w", i, strings.Join(sc.Names, " "), err)
		}
		p.Rules = append(p.Rules, rules...)
	}
	return p, flags, nil
}

func checkArches(arches []specs.Arch) error {
	if len(arches) == 0 {
		return nil
	}
	for _, a := range arches {
		if a == specs.ArchX86_64 {
			return nil
		}
	}
	return fmt.Errorf("the profile's architectures %v do not include SCMP_ARCH_X86_64", arches)
}

func ociFlagBits(fs []specs.LinuxSeccompFlag) (uint32, error) {
	var bits uint32
	for _, f := range fs {
		b, ok := ociFlags[f]
		if !ok {
			return 0, fmt.Errorf("unknown or unsupported seccomp flag %s", f)
		}
		bits |= b
	}
	return bits, nil
}

func ociAction(a specs.LinuxSeccompAction, errnoRet *uint) (Action, error) {
	kind, ok := ociActions[a]
	if !ok {
		name := strings.ToLower(strings.TrimPrefix(string(a), "SCMP_ACT_"))
		if why := RefusedAction(name); why != "" {
			return Action{}, fmt.Errorf("action %s is refused: %s", a, why)
		}
		return Action{}, fmt.Errorf("unknown action %q", a)
	}
	act := Action{Kind: kind}
	if kind == Errno {
		act.Errno = eperm
		if errnoRet != nil {
			act.Errno = uint16(*errnoRet)
		}
	}
	return act, nil
}

// ociRules makes one syscall entry's rules. As in runc, its conditions
// all hold together, unless two of them test the same argument: then
// each condition is a rule of its own (any one suffices).
func ociRules(sc specs.LinuxSyscall) ([]Rule, error) {
	act, err := ociAction(sc.Action, sc.ErrnoRet)
	if err != nil {
		return nil, err
	}
	conds := make([]Cond, len(sc.Args))
	sameArg := false
	seen := map[uint]bool{}
	for i, a := range sc.Args {
		op, ok := ociOps[a.Op]
		if !ok {
			return nil, fmt.Errorf("unknown operator %q", a.Op)
		}
		conds[i] = Cond{Arg: int(a.Index), Op: op, Value: a.Value}
		if op == MaskedEq { // the spec's value is the mask, valueTwo the value
			conds[i] = Cond{Arg: int(a.Index), Op: op, Mask: a.Value, Value: a.ValueTwo}
		}
		sameArg = sameArg || seen[a.Index]
		seen[a.Index] = true
	}
	if !sameArg {
		return []Rule{{Syscalls: sc.Names, Conds: conds, Action: act}}, nil
	}
	rules := make([]Rule, len(conds))
	for i, c := range conds {
		rules[i] = Rule{Syscalls: sc.Names, Conds: []Cond{c}, Action: act}
	}
	return rules, nil
}
