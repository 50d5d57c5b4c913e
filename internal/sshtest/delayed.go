package sshtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// DelayedHost starts test host name as Hosts does, but in a network
// namespace of its own, joined to this one by a veth pair, with delay
// added each way: by tc netem on both ends of the pair where the kernel
// has it, else by a delay line in this process (a TCP relay that holds
// each chunk it reads for delay before it passes it on), which how
// names. It returns the command to reach the host, as Hosts does. The
// namespace, the pair and the relay end with the test.
func DelayedHost(t testing.TB, name string, delay time.Duration) (ssh, how string) {
	t.Helper()
	s := newSite(t)
	port := freePort(t)
	cmd := s.startHost(t, name, port, true)
	ns := nsChild(t, cmd.Process.Pid)
	outer, inner := vethAddrs(port)
	hostEnd, nsEnd := fmt.Sprintf("alsh%dh", port), fmt.Sprintf("alsh%dn", port)
	ip(t, "", "link", "add", hostEnd, "type", "veth", "peer", "name", nsEnd, "netns", ns)
	t.Cleanup(func() { exec.Command("ip", "link", "del", hostEnd).Run() }) // gone with the namespace, normally
	ip(t, "", "addr", "add", outer+"/30", "dev", hostEnd)
	ip(t, "", "link", "set", hostEnd, "up")
	ip(t, ns, "addr", "add", inner+"/30", "dev", nsEnd)
	ip(t, ns, "link", "set", nsEnd, "up")
	target := net.JoinHostPort(inner, strconv.Itoa(port))
	waitPort(t, name, target)
	ms := strconv.FormatFloat(float64(delay)/float64(time.Millisecond), 'f', -1, 64) + "ms"
	if netem(hostEnd, "", ms) == nil {
		if netem(nsEnd, ns, ms) == nil {
			s.add(name, inner, port)
			return s.finish(t), "tc netem"
		}
		exec.Command("tc", "qdisc", "del", "dev", hostEnd, "root").Run() // the delay line delays both ways
	}
	s.add(name, "127.0.0.1", delayLine(t, target, delay))
	return s.finish(t), "a delay line (this kernel has no netem)"
}

// nsChild is the pid of the unshare's child, which runs in the new
// namespaces.
func nsChild(t testing.TB, pid int) string {
	path := fmt.Sprintf("/proc/%d/task/%d/children", pid, pid)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && len(strings.Fields(string(b))) > 0 {
			return strings.Fields(string(b))[0]
		}
	}
	t.Fatalf("the test host's namespaces did not come up (%s)", path)
	return ""
}

// vethAddrs are the two ends' addresses of a /30 of 10.199.0.0/16 that
// the host's port picks: ports are unique on this machine.
func vethAddrs(port int) (outer, inner string) {
	i := port % (1 << 14) * 4
	return fmt.Sprintf("10.199.%d.%d", i>>8, i&0xff+1), fmt.Sprintf("10.199.%d.%d", i>>8, i&0xff+2)
}

// ip runs ip ARGS, in the network namespace of pid ns if not "".
func ip(t testing.TB, ns string, args ...string) {
	t.Helper()
	cmd := exec.Command("ip", args...)
	if ns != "" {
		cmd = exec.Command("nsenter", append([]string{"-t", ns, "-n", "ip"}, args...)...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(cmd.Args, " "), err, out)
	}
}

// netem delays what leaves dev (in the namespace of pid ns if not "").
func netem(dev, ns, delay string) error {
	args := []string{"tc", "qdisc", "add", "dev", dev, "root", "netem", "delay", delay}
	if ns != "" {
		args = append([]string{"nsenter", "-t", ns, "-n"}, args...)
	}
	return exec.Command(args[0], args[1:]...).Run()
}

// delayLine relays connections to target from a port of 127.0.0.1 that
// it returns, holding each chunk read, either way, for delay.
func delayLine(t testing.TB, target string, delay time.Duration) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			d, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, d)
			mu.Unlock()
			go delayCopy(d, c, delay)
			go delayCopy(c, d, delay)
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// delayCopy copies src to dst, each chunk delay after it was read.
func delayCopy(dst, src net.Conn, delay time.Duration) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	ch := make(chan chunk, 4096)
	go func() {
		defer close(ch)
		for {
			buf := make([]byte, 64<<10)
			n, err := src.Read(buf)
			if n > 0 {
				ch <- chunk{buf[:n], time.Now().Add(delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range ch {
		time.Sleep(time.Until(c.at))
		if _, err := dst.Write(c.b); err != nil {
			src.Close() // ends the reader
			for range ch {
			}
			break
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}
