// Command benchtable reads `go test -bench` output of the engine (see
// engine/bench_test.go) on stdin and prints the engine's speed figures
// beside their targets (round trips within 1.5× a raw socketpair, fork to
// ready under 1 ms, fork+exec and the sandbox cycle at alcove's speed or
// better, streams over 1 GB/s, an idle node under 1.5 MiB): make bench
// pipes its run through it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// result is one benchmark line: ns/op and its other metrics by unit.
type result struct {
	nsPerOp float64
	metrics map[string]float64
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(-\d+)?\s+\d+\s+(.*)$`)

func parse(r io.Reader) (map[string]result, []string) {
	results := map[string]result{}
	var order []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		res := result{metrics: map[string]float64{}}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			if f[i+1] == "ns/op" {
				res.nsPerOp = v
			} else {
				res.metrics[f[i+1]] = v
			}
		}
		results[m[1]] = res
		order = append(order, m[1])
	}
	return results, order
}

// row is one line of the table: a figure and its target.
type row struct {
	what, value, target string
	met                 bool
}

func rows(r map[string]result, order []string) []row {
	var out []row
	for _, place := range []string{"spread", "pinned"} {
		raw, ok := r["RoundTrip/raw-socketpair/"+place]
		if !ok {
			continue
		}
		for _, d := range []string{"0", "1", "4", "15"} {
			c, ok := r["RoundTrip/call-depth-"+d+"/"+place]
			if !ok {
				continue
			}
			ratio := c.nsPerOp / raw.nsPerOp
			out = append(out, row{fmt.Sprintf("round trip depth %s, %s", d, place),
				fmt.Sprintf("%.1f µs = %.2f× raw %.1f µs", c.nsPerOp/1e3, ratio, raw.nsPerOp/1e3), "≤ 1.5× raw", ratio <= 1.5})
		}
	}
	for _, t := range []struct {
		name, what string
		limitMs    float64
		target     string
	}{
		{"Fork/prefork=0", "fork to ready", 1, "< 1 ms (stretch 0.5)"},
		{"CloneNamespaces/prefork=0", "clone pid+mnt+uts+ipc+net", 1.5, "< 1.5 ms"},
		{"ForkExecExit/prefork=0", "fork+execvp /bin/true+exit", 0.88, "≤ alcove 0.88 ms"},
		{"SandboxCycle/prefork=0", "sandbox cycle", 1.2, "≤ alcove 1.2 ms"},
	} {
		if res, ok := r[t.name]; ok {
			ms := res.nsPerOp / 1e6
			out = append(out, row{t.what, fmt.Sprintf("%.2f ms", ms), t.target, ms <= t.limitMs})
		}
	}
	for _, name := range order {
		if mbs, ok := r[name].metrics["MB/s"]; ok && strings.HasPrefix(name, "Stream/") {
			out = append(out, row{"stream " + strings.TrimPrefix(name, "Stream/"), fmt.Sprintf("%.0f MB/s", mbs), "> 1000 MB/s", mbs > 1000})
		}
	}
	for _, v := range []struct{ name, what string }{
		{"SandboxFull/fork", "sandbox cycle + cgroup move, caps, landlock, seccomp"},
		{"SandboxFull/fork-in-cgroup", "the same, forked inside the cgroup"},
	} {
		if res, ok := r[v.name]; ok {
			ms := res.metrics["µs-alsh/op"] / 1e3
			out = append(out, row{v.what,
				fmt.Sprintf("%.2f ms = %.2f× bwrap, %.2f× unshare", ms, res.metrics["alsh/bwrap"], res.metrics["alsh/unshare"]),
				"< 1.5 ms", ms < 1.5})
		}
	}
	for _, t := range []struct {
		name, what, metric string
		limit              float64
		target             string
	}{
		{"RealisticCycle", "realistic cycle / bwrap, alternated", "alsh/bwrap", 0.5, "≤ 0.5× bwrap"},
		{"ForkExecVsPosixSpawn", "fork+exec+exit / C posix_spawn", "alsh/posix_spawn", 1.25, "≤ 1.25× posix_spawn"},
	} {
		if res, ok := r[t.name]; ok {
			v := res.metrics[t.metric]
			out = append(out, row{t.what, fmt.Sprintf("%.2f× (%.0f µs)", v, res.metrics["alsh-µs"]), t.target, v <= t.limit})
		}
	}
	if res, ok := r["ForkBoot"]; ok {
		pss := res.metrics["Pss-KiB/node"]
		out = append(out, row{"fork + a call that boots", fmt.Sprintf("%.2f ms", res.nsPerOp/1e6), "(reported)", true})
		out = append(out, row{"booted node Pss, the test binary's", fmt.Sprintf("%.2f MiB", pss/1024), "(reported)", true})
	}
	if res, ok := r["AlshNodePss"]; ok {
		pss := res.metrics["Pss-KiB/node"]
		out = append(out, row{"booted node Pss, bin/alsh's", fmt.Sprintf("%.2f MiB (%.0f KiB, private %.0f)", pss/1024, pss, res.metrics["private-KiB/node"]),
			"≤ 0.8 MiB", pss <= 0.8*1024})
	}
	if res, ok := r["ThousandNodes"]; ok {
		ms := res.metrics["ms/1000-nodes"]
		out = append(out, row{"1000 proto-nodes forked, one getcwd each", fmt.Sprintf("%.2f s", ms/1e3), "< 1 s", ms < 1000})
	}
	if one, ok := r["ManyCallers/callers=1"]; ok {
		base := one.metrics["calls/s"]
		for _, n := range []string{"1", "2", "4", "8", "32"} {
			if res, ok := r["ManyCallers/callers="+n]; ok {
				v := res.metrics["calls/s"]
				out = append(out, row{"getpid calls/s, " + n + " callers into " + n + " nodes",
					fmt.Sprintf("%.0f (%.2f× 1 caller)", v, v/base), "≥ 1 caller's", v >= base})
			}
		}
	}
	for _, t := range []struct{ name, what string }{
		{"HandleVsPipeline/round-trip", "handle/pipeline call round trip"},
		{"HandleVsPipeline/fork-exec-exit", "handle/pipeline fork+exec+exit"},
	} {
		if ratio, ok := r[t.name].metrics["handle/pipeline"]; ok {
			out = append(out, row{t.what, fmt.Sprintf("%.2f×", ratio), "≤ 1.05×", ratio <= 1.05})
		}
	}
	if ratio, ok := r["HandleStream"].metrics["io-copy/stdout-call"]; ok {
		out = append(out, row{"io.Copy via sandboxed cat / stdout calls", fmt.Sprintf("%.2f×", ratio), "≥ 1×", ratio >= 1})
	}
	if res, ok := r["BatchVsCalls"]; ok {
		out = append(out, row{"48 calls as a batch / one by one", fmt.Sprintf("%.2f× (%.1f against %.1f µs a call)",
			res.metrics["batch/calls"], res.metrics["batch-ns/call"]/1e3, res.metrics["single-ns/call"]/1e3), "(reported)", true})
	}
	if res, ok := r["IdleNode"]; ok {
		pss := res.metrics["Pss-KiB/node"]
		out = append(out, row{"idle node Pss", fmt.Sprintf("%.2f MiB (private %.2f)", pss/1024, res.metrics["private-KiB/node"]/1024),
			"< 1.5 MiB", pss < 1.5*1024})
	}
	return out
}

func main() {
	results, order := parse(io.TeeReader(os.Stdin, os.Stdout))
	fmt.Printf("\n%-40s %-34s %-22s %s\n", "figure", "measured", "target", "met")
	for _, r := range rows(results, order) {
		fmt.Printf("%-40s %-34s %-22s %v\n", r.what, r.value, r.target, map[bool]string{true: "yes", false: "NO"}[r.met])
	}
}
