package seccomp

import (
	"fmt"

	moby "github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// DockerProfile settles a Docker seccomp profile (JSON; "" for Docker's
// default profile) for this host with github.com/moby/profiles/seccomp,
// as dockerd does: rules that depend on the kernel's version follow the
// running kernel, and rules that depend on a capability (CAP_SYS_ADMIN
// allows mount…) follow caps, the bounding set the program will have
// (names such as "CAP_SYS_ADMIN"). It returns the policy and the
// seccomp(2) flags the profile asks for.
func DockerProfile(json string, caps []string) (*Policy, uint32, error) {
	spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}}}
	var (
		s   *specs.LinuxSeccomp
		err error
	)
	if json == "" {
		s, err = moby.GetDefaultProfile(spec)
	} else {
		s, err = moby.LoadProfile(json, spec)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("docker profile: %w", err)
	}
	if s == nil {
		return nil, 0, fmt.Errorf("docker profile: it sets no default action and lists no syscalls")
	}
	return FromOCI(s)
}
