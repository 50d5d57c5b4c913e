package seccomp

import (
	"testing"

	"golang.org/x/sys/unix"
)

// dockerCaps is Docker's default capability set: what a container's
// bounding set holds, which the profile's capability rules follow.
var dockerCaps = []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}

// Docker's default profile, compiled, decides as Docker documents: the
// syscalls of a shell are allowed, mount and unshare are not, clone is
// allowed without namespace flags only, clone3 fails with enosys (so
// that libc falls back to clone).
func TestDockerDefaultProfile(t *testing.T) {
	p, _, err := DockerProfile("", dockerCaps)
	if err != nil {
		t.Fatal(err)
	}
	prog := mustCompile(t, p)
	eperm := uint32(retErrno | unix.EPERM)
	cases := []struct {
		name string
		args []uint64
		want uint32
	}{
		{"read", nil, retAllow}, {"execve", nil, retAllow}, {"openat", nil, retAllow},
		{"mount", nil, eperm}, {"unshare", nil, eperm}, {"umount2", nil, eperm},
		{"reboot", nil, eperm}, {"init_module", nil, eperm}, {"ptrace", nil, retAllow},
		{"clone", []uint64{uint64(unix.SIGCHLD)}, retAllow},
		{"clone", []uint64{unix.CLONE_NEWUSER | uint64(unix.SIGCHLD)}, eperm},
		{"clone3", nil, uint32(retErrno | unix.ENOSYS)},
		{"socket", []uint64{unix.AF_INET}, retAllow}, {"socket", []uint64{unix.AF_VSOCK}, eperm},
		{"personality", []uint64{0}, retAllow}, {"personality", []uint64{0x0400000}, eperm},
	}
	for _, c := range cases {
		if got := verdict(t, prog, AuditArchX86_64, nr(t, c.name), c.args...); got != c.want {
			t.Errorf("%s%v: %#x, want %#x", c.name, c.args, got, c.want)
		}
	}
	if len(prog.Skipped) == 0 {
		t.Error("no syscall of another arch skipped: Docker's profile names chown32 and others")
	}
	t.Logf("%d instructions, %d names skipped", prog.Len(), len(prog.Skipped))
}

// A profile given as JSON goes through the same path; bad JSON and
// refused actions are clear errors.
func TestDockerProfileJSON(t *testing.T) {
	json := `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdirat", "mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}`
	p, _, err := DockerProfile(json, nil)
	if err != nil {
		t.Fatal(err)
	}
	prog := mustCompile(t, p)
	if got := verdict(t, prog, AuditArchX86_64, nr(t, "mkdir")); got != retErrno|13 {
		t.Errorf("mkdir: %#x", got)
	}
	if _, _, err := DockerProfile(`{"defaultAction": "SCMP_ACT_TRAP"}`, nil); err == nil {
		t.Error("SCMP_ACT_TRAP accepted")
	}
	if _, _, err := DockerProfile(`{"defaultAction": `, nil); err == nil {
		t.Error("truncated JSON accepted")
	}
}

// BenchmarkCompileDockerDefault: Docker's default profile settled for the
// host (moby's conditions) and compiled. The target is under 2 ms.
func BenchmarkCompileDockerDefault(b *testing.B) {
	for b.Loop() {
		p, _, err := DockerProfile("", dockerCaps)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Compile(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileOnly: the compile step alone.
func BenchmarkCompileOnly(b *testing.B) {
	p, _, err := DockerProfile("", dockerCaps)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Compile(p); err != nil {
			b.Fatal(err)
		}
	}
}
