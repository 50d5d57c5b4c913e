package engine

import (
	"bufio"
	"context"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/alsh/alsh/internal/sshtest"
)

// The remote benchmarks compare alsh over ssh with ssh itself, in the
// same run, on loopback test hosts (sshtest). They report ratios:
// make bench-remote.

// sshCmd runs a command on a test host through the benchmark's ssh.
func sshCmd(ssh, host, command string) *exec.Cmd {
	return exec.Command("/bin/sh", "-c", ssh+` "$@"`, "ssh", "-T", host, command)
}

// BenchmarkHostCall: a call round trip on a remote node against a line
// echoed through ssh host cat.
func BenchmarkHostCall(b *testing.B) {
	ssh := sshtest.Hosts(b, "box1")
	e, ctx := startRemote(b, ssh, "box1")
	c := fork(b, e, ctx, nil)
	call(b, e, ctx, c, "getpid")
	cat := sshCmd(ssh, "box1", "cat")
	in, _ := cat.StdinPipe()
	out, _ := cat.StdoutPipe()
	if err := cat.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { in.Close(); cat.Wait() }()
	r := bufio.NewReader(out)
	echo := func() {
		io.WriteString(in, "x\n")
		if _, err := r.ReadString('\n'); err != nil {
			b.Fatal(err)
		}
	}
	echo()
	var alsh, raw time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := e.Call(ctx, c, "getpid", nil); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		echo()
		alsh, raw = alsh+t1.Sub(t0), raw+time.Since(t1)
	}
	b.ReportMetric(float64(alsh.Microseconds())/float64(b.N), "call-µs")
	b.ReportMetric(float64(raw.Microseconds())/float64(b.N), "ssh-cat-µs")
	b.ReportMetric(float64(alsh)/float64(raw), "ratio")
}

// BenchmarkHostBulk: 1 GiB from a remote program's stdout, taken with
// stdout calls, against ssh host 'head -c 1G /dev/zero'; b.N rounds.
func BenchmarkHostBulk(b *testing.B) {
	const size = 1 << 30
	ssh := sshtest.Hosts(b, "box1")
	e, ctx := startRemote(b, ssh, "box1")
	var alsh, raw time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		c := fork(b, e, ctx, nil)
		call(b, e, ctx, c, "execvp", "head", []any{"head", "-c", "1G", "/dev/zero"})
		n := 0
		for n < size {
			out, err := e.Call(ctx, c, "stdout", []any{int64(5000)})
			if err != nil {
				b.Fatal(err)
			}
			if len(out.(string)) == 0 {
				b.Fatalf("stdout: nothing after %d bytes", n)
			}
			n += len(out.(string))
		}
		t1 := time.Now()
		cmd := sshCmd(ssh, "box1", "head -c 1G /dev/zero")
		out, _ := cmd.StdoutPipe()
		cmd.Start()
		m, _ := io.Copy(io.Discard, out)
		cmd.Wait()
		alsh, raw = alsh+t1.Sub(t0), raw+time.Since(t1)
		if m != size {
			b.Fatalf("ssh gave %d bytes", m)
		}
	}
	mbs := func(d time.Duration) float64 { return float64(size) * float64(b.N) / d.Seconds() / 1e6 }
	b.ReportMetric(mbs(alsh), "alsh-MB/s")
	b.ReportMetric(mbs(raw), "ssh-MB/s")
	b.ReportMetric(mbs(alsh)/mbs(raw), "ratio")
}

// BenchmarkHostFirstCall: start and a first call, the binary cached,
// against ssh host true; the cold start (binary sent) is reported beside.
func BenchmarkHostFirstCall(b *testing.B) {
	ssh := sshtest.Hosts(b, "box1")
	first := func() time.Duration {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		t0 := time.Now()
		e, err := Start(ctx, Options{Host: "box1", SSHCommand: ssh})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Call(ctx, nil, "getpid", nil); err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		e.Close()
		return d
	}
	cold := first()
	var warm, raw time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		warm += first()
		t0 := time.Now()
		if out, err := sshCmd(ssh, "box1", "true").CombinedOutput(); err != nil {
			b.Fatalf("ssh true: %v: %s", err, strings.TrimSpace(string(out)))
		}
		raw += time.Since(t0)
	}
	b.ReportMetric(float64(cold.Milliseconds()), "cold-ms")
	b.ReportMetric(float64(warm.Milliseconds())/float64(b.N), "warm-ms")
	b.ReportMetric(float64(raw.Milliseconds())/float64(b.N), "ssh-true-ms")
	b.ReportMetric(float64(warm)/float64(raw), "ratio")
}
