package engine

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
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
	calls, echoes := make([]time.Duration, b.N), make([]time.Duration, b.N)
	hub0, self0 := hubCPU(b, e, ctx), selfCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := e.Call(ctx, c, "getpid", nil); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		echo()
		calls[i], echoes[i] = t1.Sub(t0), time.Since(t1)
		alsh, raw = alsh+calls[i], raw+echoes[i]
	}
	b.ReportMetric(float64(alsh.Microseconds())/float64(b.N), "call-µs")
	b.ReportMetric(float64(raw.Microseconds())/float64(b.N), "ssh-cat-µs")
	b.ReportMetric(float64(alsh)/float64(raw), "ratio")
	// The medians, which the other load of a shared machine moves less
	// than the means (a few calls that waited for a CPU weigh on those).
	mc, me := median(calls), median(echoes)
	b.ReportMetric(float64(mc.Microseconds()), "call-p50-µs")
	b.ReportMetric(float64(me.Microseconds()), "ssh-cat-p50-µs")
	b.ReportMetric(float64(mc)/float64(me), "ratio-p50")
	b.StopTimer()
	// Processor time per call here (the relay and the engine, and the
	// echo's few syscalls) and on the host: steadier than the times on a
	// shared machine, and what the other processes wait for there.
	b.ReportMetric(float64((selfCPU()-self0).Microseconds())/float64(b.N), "driver-cpu-µs/call")
	b.ReportMetric(float64((hubCPU(b, e, ctx)-hub0).Microseconds())/float64(b.N), "hub-cpu-µs/call")
}

// hubCPU is the processor time that the hub of e's host has used so far,
// read there (/proc/PPID/stat of the root node; in ticks of 10 ms).
func hubCPU(b *testing.B, e *Engine, ctx context.Context) time.Duration {
	ppid := call(b, e, ctx, nil, "getppid").(int64)
	return statCPU(run(b, e, ctx, fmt.Sprintf("cat /proc/%d/stat", ppid)))
}

// statCPU is the user and system time of a /proc/PID/stat line.
func statCPU(stat string) time.Duration {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 || i+2 > len(stat) {
		return 0
	}
	f := strings.Fields(stat[i+2:]) // f[0] is field 3, state
	if len(f) < 13 {
		return 0
	}
	var ticks int64
	for _, s := range f[11:13] { // utime stime
		n, _ := strconv.ParseInt(s, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// selfCPU is the processor time this process (the driver) has used.
func selfCPU() time.Duration {
	var u unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// selfSwitches is this process's context switches so far, voluntary
// and not, all its threads (those gone too).
func selfSwitches() int64 {
	var u unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &u)
	return u.Nvcsw + u.Nivcsw
}

// median is the middle of ds, which it sorts.
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// BenchmarkHostBulk: 1 GiB from a remote program's stdout, taken with
// stdout calls, against ssh host 'head -c 1G /dev/zero'; b.N rounds.
func BenchmarkHostBulk(b *testing.B) {
	const size = 1 << 30
	ssh := sshtest.Hosts(b, "box1")
	e, ctx := startRemote(b, ssh, "box1")
	var alsh, raw, driver, reader, hub time.Duration
	var driverCS, readerCS int64
	for i := 0; i < b.N; i++ {
		h0 := hubCPU(b, e, ctx)
		c0, s0 := selfCPU(), selfSwitches()
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
		c1, s1 := selfCPU(), selfSwitches()
		cmd := sshCmd(ssh, "box1", "head -c 1G /dev/zero")
		out, _ := cmd.StdoutPipe()
		cmd.Start()
		m, _ := io.Copy(io.Discard, out)
		cmd.Wait()
		alsh, raw = alsh+t1.Sub(t0), raw+time.Since(t1)
		driver, reader = driver+c1-c0, reader+selfCPU()-c1
		driverCS, readerCS = driverCS+s1-s0, readerCS+selfSwitches()-s1
		hub += hubCPU(b, e, ctx) - h0
		if m != size {
			b.Fatalf("ssh gave %d bytes", m)
		}
	}
	mbs := func(d time.Duration) float64 { return float64(size) * float64(b.N) / d.Seconds() / 1e6 }
	b.ReportMetric(mbs(alsh), "alsh-MB/s")
	b.ReportMetric(mbs(raw), "ssh-MB/s")
	b.ReportMetric(mbs(alsh)/mbs(raw), "ratio")
	// Processor time per GiB: this process while alsh's bytes came (the
	// relay and the engine) and while ssh's did (io.Copy), and the hub.
	perGiB := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
	b.ReportMetric(perGiB(driver), "driver-cpu-ms/GiB")
	b.ReportMetric(perGiB(reader), "ssh-reader-cpu-ms/GiB")
	b.ReportMetric(perGiB(hub), "hub-cpu-ms/GiB")
	// Context switches per MiB: each is a thread that went to sleep (a
	// wake-up to come) or was put off the CPU.
	perMiB := func(n int64) float64 { return float64(n) / float64(b.N) / 1024 }
	b.ReportMetric(perMiB(driverCS), "driver-cs/MiB")
	b.ReportMetric(perMiB(readerCS), "ssh-reader-cs/MiB")
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

// BenchmarkHostsParallel: 20 hosts, one gethostname each, from one
// engine as a script does it (host for each, then a call to each: the
// connections overlap), against one host's first call made the same
// way; alternated, each host's binary cached. The first round, which
// sends the binary to all twenty, is reported beside, and so is ssh
// itself: 20 ssh host true at once against one, in the same rounds,
// which shows what the machine's cores allow.
func BenchmarkHostsParallel(b *testing.B) {
	names := make([]string, 20)
	for i := range names {
		names[i] = fmt.Sprintf("box%02d", i+1)
	}
	ssh := sshtest.Hosts(b, names...)
	cold := hostsRound(b, ssh, names)
	var many, one, sshMany, sshOne time.Duration
	var alshCPU, sshCPU cpuUse
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0 := cpuNow(b, ssh, names)
		many += hostsRound(b, ssh, names)
		c1 := cpuNow(b, ssh, names)
		one += hostsRound(b, ssh, names[:1])
		c2 := cpuNow(b, ssh, names)
		sshMany += sshRound(b, ssh, names)
		c3 := cpuNow(b, ssh, names)
		sshOne += sshRound(b, ssh, names[:1])
		alshCPU = alshCPU.add(c1.sub(c0))
		sshCPU = sshCPU.add(c3.sub(c2))
	}
	per := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N*len(names)) }
	b.ReportMetric(per(alshCPU.local), "cpu-local-ms/host")
	b.ReportMetric(per(alshCPU.remote), "cpu-remote-ms/host")
	b.ReportMetric(per(sshCPU.local), "ssh-cpu-local-ms/host")
	b.ReportMetric(per(sshCPU.remote), "ssh-cpu-remote-ms/host")
	ms := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
	b.ReportMetric(float64(cold.Milliseconds()), "cold20-ms")
	b.ReportMetric(ms(many), "hosts20-ms")
	b.ReportMetric(ms(one), "host1-ms")
	b.ReportMetric(float64(many)/float64(one), "ratio")
	b.ReportMetric(ms(sshMany), "ssh20-ms")
	b.ReportMetric(ms(sshOne), "ssh1-ms")
	b.ReportMetric(float64(sshMany)/float64(sshOne), "ssh-ratio")
}

// cpuUse is processor time used here (this process and its children:
// the driver, the ssh clients) and on the test hosts.
type cpuUse struct{ local, remote time.Duration }

func (c cpuUse) add(d cpuUse) cpuUse { return cpuUse{c.local + d.local, c.remote + d.remote} }
func (c cpuUse) sub(d cpuUse) cpuUse { return cpuUse{c.local - d.local, c.remote - d.remote} }

func cpuNow(b *testing.B, ssh string, names []string) cpuUse {
	var self, kids unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &self)
	unix.Getrusage(unix.RUSAGE_CHILDREN, &kids)
	tv := func(t unix.Timeval) time.Duration { return time.Duration(t.Nano()) }
	c := cpuUse{local: tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)}
	for _, name := range names {
		c.remote += sshtest.CPU(b, ssh, name)
	}
	return c
}

// sshRound runs ssh host true on every host of names at once.
func sshRound(b *testing.B, ssh string, names []string) time.Duration {
	t0 := time.Now()
	errs := make(chan error, len(names))
	for _, name := range names {
		go func() {
			out, err := sshCmd(ssh, name, "true").CombinedOutput()
			if err != nil {
				err = fmt.Errorf("ssh %s true: %v: %s", name, err, out)
			}
			errs <- err
		}()
	}
	for range names {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(t0)
}

// hostsRound connects to every host of names from a new engine and
// calls gethostname on each; it returns the time from the first host
// to the last reply (the engine's start and close are not counted).
func hostsRound(b *testing.B, ssh string, names []string) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e, err := Start(ctx, Options{SSHCommand: ssh, StartTimeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	t0 := time.Now()
	ids := make([]int, len(names))
	for i, name := range names {
		if ids[i], err = e.ConnectHost(ctx, name, nil); err != nil {
			b.Fatal(err)
		}
	}
	for i, name := range names {
		if h, err := e.Call(ctx, []int{-ids[i]}, "gethostname", nil); err != nil || h != name {
			b.Fatalf("gethostname on %s: %v, %v", name, h, err)
		}
	}
	return time.Since(t0)
}

// BenchmarkHostOverSlowLink: a host 10 ms away each way (20 ms round
// trip; sshtest.DelayedHost: a network namespace and a veth pair, with
// tc netem or, where the kernel has none, a delay line). One op is a
// script that forks 10 children on the host, execs /bin/true in each
// and waits for their exits. It reports the time, that time in round
// trips of the link, and what crossed the relay per op: the driver's
// frames and writes, and the frames it received. The first call (start
// and getpid, binary cached) is reported beside, and ssh far1 true.
func BenchmarkHostOverSlowLink(b *testing.B) {
	const rtt = 20 * time.Millisecond
	ssh, how := sshtest.DelayedHost(b, "far1", rtt/2)
	b.Logf("delay each way: %v, by %s", rtt/2, how)
	cold, _ := startRemote(b, ssh, "far1") // the binary is sent
	cold.Close()
	t0 := time.Now()
	e, ctx := startRemote(b, ssh, "far1")
	call(b, e, ctx, nil, "getpid")
	first := time.Since(t0)
	before := e.remote.mux.Stats()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		kids := make([][]int, 10)
		for k := range kids {
			kids[k] = fork(b, e, ctx, nil)
			call(b, e, ctx, kids[k], "execvp", "/bin/true", []any{"true"})
		}
		for _, c := range kids {
			if ev, _ := event(b, e, ctx, c).(builtins.Record); ev["exit_status"] != int64(0) {
				b.Fatalf("%v: %v", c, ev)
			}
		}
	}
	b.StopTimer()
	d := b.Elapsed()
	after := e.remote.mux.Stats()
	per := func(a, z uint64) float64 { return float64(z-a) / float64(b.N) }
	b.ReportMetric(float64(d.Milliseconds())/float64(b.N), "script-ms")
	b.ReportMetric(float64(d)/float64(b.N)/float64(rtt), "rtts")
	b.ReportMetric(per(before.FramesOut, after.FramesOut), "frames-out")
	b.ReportMetric(per(before.WritesOut, after.WritesOut), "writes-out")
	b.ReportMetric(per(before.FramesIn, after.FramesIn), "frames-in")
	b.ReportMetric(float64(first.Milliseconds()), "first-call-ms")
	t0 = time.Now()
	if out, err := sshCmd(ssh, "far1", "true").CombinedOutput(); err != nil {
		b.Fatalf("ssh far1 true: %v: %s", err, out)
	}
	b.ReportMetric(float64(time.Since(t0).Milliseconds()), "ssh-true-ms")
}
