// Package sshtest starts sshd test hosts for the tests of alsh's remote
// hosts (docs/remote.md), each in namespaces of its own: on loopback, or
// (DelayedHost) in a network namespace joined to this one by a veth
// pair, 10.199.0.0/16, with a delay each way. Traffic goes to them only.
package sshtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Hosts starts one sshd test host per name (.ci/sshhost: 127.0.0.1,
// a port each, a hostname each, the checkout and /tmp hidden) with a
// throwaway key pair and known_hosts, and returns the command to reach
// them: "ssh -F CONFIG", where each name is a Host. The hosts end with
// the test. Needs root and openssh-server.
func Hosts(t testing.TB, names ...string) string {
	t.Helper()
	s := newSite(t)
	for _, name := range names {
		port := freePort(t)
		s.startHost(t, name, port, false)
		waitPort(t, name, fmt.Sprintf("127.0.0.1:%d", port))
		s.add(name, "127.0.0.1", port)
	}
	return s.finish(t)
}

// site is a set of test hosts: their keys, sshd_config and ssh config.
type site struct {
	dir, root  string
	hostKey    []string // type and key of the hosts' (one) key
	cfg, known strings.Builder
}

func newSite(t testing.TB) *site {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "needs root, and ALSH_REQUIRE_PRIVILEGED=1", "needs root")
	}
	if _, err := os.Stat("/usr/sbin/sshd"); err != nil {
		missing(t, "needs /usr/sbin/sshd (apt-get install openssh-server)", "no sshd (openssh-server)")
	}
	if _, err := exec.LookPath("ssh"); err != nil {
		missing(t, "needs ssh (openssh-client)", "no ssh client")
	}
	s := &site{dir: t.TempDir(), root: moduleRoot(t)}
	for _, k := range []string{"id", "hostkey"} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alsh-test", "-f", filepath.Join(s.dir, k)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v: %s", err, out)
		}
	}
	pub, _ := os.ReadFile(filepath.Join(s.dir, "id.pub"))
	hostPub, _ := os.ReadFile(filepath.Join(s.dir, "hostkey.pub"))
	s.hostKey = strings.Fields(string(hostPub))[:2]
	write(t, filepath.Join(s.dir, "authorized_keys"), string(pub))
	write(t, filepath.Join(s.dir, "sshd_config"), strings.Join([]string{
		"HostKey /mnt/hostkey", "AuthorizedKeysFile /mnt/authorized_keys",
		"PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
		"UsePAM no", "StrictModes no", "PidFile none", "MaxStartups 100", "LogLevel ERROR", ""}, "\n"))
	return s
}

// add makes name a Host of the ssh config, reached at addr:port.
func (s *site) add(name, addr string, port int) {
	fmt.Fprintf(&s.cfg, "Host %s\n  HostName %s\n  Port %d\n  User root\n  IdentityFile %s\n  IdentitiesOnly yes\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n  ConnectTimeout 5\n",
		name, addr, port, filepath.Join(s.dir, "id"), filepath.Join(s.dir, "known_hosts"))
	fmt.Fprintf(&s.known, "[%s]:%d %s %s\n", addr, port, s.hostKey[0], s.hostKey[1])
}

// finish writes the ssh config and known_hosts, and gives the command.
func (s *site) finish(t testing.TB) string {
	write(t, filepath.Join(s.dir, "config"), s.cfg.String())
	write(t, filepath.Join(s.dir, "known_hosts"), s.known.String())
	return "ssh -F " + filepath.Join(s.dir, "config")
}

func write(t testing.TB, path, s string) {
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func moduleRoot(t testing.TB) string {
	d, _ := os.Getwd()
	for ; d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
	}
	t.Fatal("no go.mod above the test's folder")
	return ""
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startHost runs .ci/sshhost for name on port: on 127.0.0.1, or in a
// network namespace of its own on every address there (netns).
func (s *site) startHost(t testing.TB, name string, port int, netns bool) *exec.Cmd {
	var stderr bytes.Buffer
	args := []string{s.dir, name, fmt.Sprint(port), s.root, "127.0.0.1"}
	if netns {
		args = append(args[:4], "0.0.0.0", "netns")
	}
	cmd := exec.Command(filepath.Join(s.root, ".ci", "sshhost"), args...)
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &unix.SysProcAttr{Pdeathsig: unix.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// waitPort waits until a test host answers at addr.
func waitPort(t testing.TB, name, addr string) {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("test host %s did not listen on %s", name, addr)
}

// missing fails (ALSH_REQUIRE_PRIVILEGED=1, as in CI) or skips.
func missing(t testing.TB, fail, skip string) {
	t.Helper()
	if os.Getenv("ALSH_REQUIRE_PRIVILEGED") == "1" {
		t.Fatal(fail)
	}
	t.Skip(skip)
}

// Barrier wraps the ssh command ssh (as Hosts returns it) so that each
// connection waits, before ssh starts, until n connections have started:
// connections made one after the other never get past it, and fail
// after a few seconds saying so. Tests use it to show that connections
// overlap without timing them.
func Barrier(t testing.TB, n int, ssh string) string {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "barrier")
	write(t, script, `#!/bin/sh
# barrier DIR N SSH…: start SSH once N connections have reached here.
dir=$1 n=$2
shift 2
: >"$dir/started.$$"
i=0
while [ "$(ls "$dir" | grep -c '^started\.')" -lt "$n" ]; do
	i=$((i + 1))
	if [ "$i" -gt 400 ]; then
		echo "barrier: only $(ls "$dir" | grep -c '^started\.') of $n connections started: they did not overlap" >&2
		exit 1
	fi
	sleep 0.01
done
exec "$@"
`)
	if err := os.Chmod(script, 0o700); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s %s %d %s", script, dir, n, ssh)
}

// Pgrep lists the processes running on test host name (of the hosts
// that ssh, as Hosts or Barrier return it, reaches) whose command line
// matches the extended regular expression pattern, one "pid cmdline"
// a line: pgrep -af in the host's pid namespace, so that other hosts'
// processes, even of the same name, are not counted.
func Pgrep(t testing.TB, ssh, name, pattern string) string {
	t.Helper()
	out, _ := exec.Command("pgrep", "-af", "--ns", sshd(t, ssh, name), "--nslist", "pid", "--", pattern).Output()
	return strings.TrimSpace(string(out))
}

// CPU is the processor time that test host name has used so far: its
// sshd's and that of every process of the host that has ended (each
// connection's session, the commands it ran, alsh's hub and nodes).
func CPU(t testing.TB, ssh, name string) time.Duration {
	t.Helper()
	pid := sshd(t, ssh, name)
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // f[0] is field 3, state
	var ticks int64
	for _, field := range []int{14, 15, 16, 17} { // utime stime cutime cstime
		n, _ := strconv.ParseInt(f[field-3], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// sshd is the pid of test host name's sshd.
func sshd(t testing.TB, ssh, name string) string {
	t.Helper()
	fields := strings.Fields(ssh)
	cfg, err := os.ReadFile(fields[len(fields)-1])
	if err != nil {
		t.Fatal(err)
	}
	port := ""
	for _, block := range strings.Split(string(cfg), "Host ")[1:] {
		if lines := strings.Fields(block); len(lines) > 0 && lines[0] == name {
			for i, w := range lines {
				if w == "Port" && i+1 < len(lines) {
					port = lines[i+1]
				}
			}
		}
	}
	// The oldest: a connection's sshd child has the listener's command
	// line until it renames itself.
	out, _ := exec.Command("pgrep", "-o", "-f", "sshd -D -e -f /mnt/sshd_config -p "+port+"( |$)").Output()
	pids := strings.Fields(string(out))
	if port == "" || len(pids) != 1 {
		t.Fatalf("test host %s (port %q): its sshd not found (%q)", name, port, out)
	}
	return pids[0]
}
