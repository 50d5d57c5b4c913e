package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// nodePssScript boots pssNodes children of the root (getopt is the node's
// own call) and prints each one's pid, then holds them.
const nodePssScript = `setopt [] maxchild 1000
for $i in range %d {
	$c = fork []
	getopt [$c] maxchild
	print (getpid [$c])
}
sleep 60000
`

// pssNodes is how many booted nodes a node's memory is the mean of: the
// pages of the binary they all map are split among them.
const pssNodes = 128

// BenchmarkAlshNodePss is the memory of a booted node of the alsh binary
// users run (bin/alsh when make build made it, else alsh on PATH), where
// the engine's BenchmarkForkBoot measures the test binary's nodes, which
// carry the testing package too: the mean Pss and private memory of 128
// booted nodes, from /proc/PID/smaps_rollup.
//
//	make build && go test ./cmd/alsh -run '^$' -bench AlshNodePss -benchtime 1x
func BenchmarkAlshNodePss(b *testing.B) {
	alsh := alshBinary(b)
	script := filepath.Join(b.TempDir(), "boot.alsh")
	if err := os.WriteFile(script, fmt.Appendf(nil, nodePssScript, pssNodes), 0o644); err != nil {
		b.Fatal(err)
	}
	var pss, private float64
	for b.Loop() {
		p, q := bootedNodesMemory(b, alsh, script)
		pss, private = pss+p, private+q
	}
	b.ReportMetric(pss/float64(b.N), "Pss-KiB/node")
	b.ReportMetric(private/float64(b.N), "private-KiB/node")
}

// bootedNodesMemory runs the script under alsh until it printed the pids
// of its nodes, and returns their mean Pss and private memory in KiB.
func bootedNodesMemory(b *testing.B, alsh, script string) (pss, private float64) {
	cmd := exec.Command(alsh, script)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM) // alsh ends its tree
		cmd.Wait()
	}()
	var pids []int
	sc := bufio.NewScanner(out)
	for len(pids) < pssNodes && sc.Scan() {
		pid, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
		if err != nil {
			b.Fatalf("%s printed %q", script, sc.Text())
		}
		pids = append(pids, pid)
	}
	if len(pids) < pssNodes {
		b.Fatalf("%s booted %d nodes of %d", script, len(pids), pssNodes)
	}
	for _, pid := range pids {
		p, q := rollup(b, pid)
		pss, private = pss+p, private+q
	}
	return pss / float64(len(pids)), private / float64(len(pids))
}

// rollup reads a process's Pss and private memory (KiB) from its
// smaps_rollup.
func rollup(b *testing.B, pid int) (pss, private float64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "Pss:":
			pss = v
		case "Private_Clean:", "Private_Dirty:":
			private += v
		}
	}
	return pss, private
}
