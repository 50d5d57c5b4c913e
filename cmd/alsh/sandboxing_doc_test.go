package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// cgroupSteps is where docs/sandboxing.md's cgroup, network and pidfd
// steps start: their blocks are scripts/sandbox-cgroups-network.alsh's.
const cgroupSteps = "\n## Cgroups, the network and pidfds\n"

// TestSandboxingDocRuns checks that every ```alsh block of the cgroup,
// network and pidfd steps of docs/sandboxing.md is in
// scripts/sandbox-cgroups-network.alsh, verbatim up to indentation, so
// the examples are also what testdata/script/sandbox_cgroups_network.txtar
// runs (engine's TestSandboxingGuide runs every block of the guide).
func TestSandboxingDocRuns(t *testing.T) {
	guide, err := os.ReadFile("../../docs/sandboxing.md")
	if err != nil {
		t.Fatal(err)
	}
	_, doc, ok := strings.Cut(string(guide), cgroupSteps)
	if !ok {
		t.Fatalf("docs/sandboxing.md has no heading %q", strings.TrimSpace(cgroupSteps))
	}
	script, err := os.ReadFile("../../scripts/sandbox-cgroups-network.alsh")
	if err != nil {
		t.Fatal(err)
	}
	body := unindent(string(script))
	blocks := regexp.MustCompile("(?s)```alsh\n(.*?)```").FindAllStringSubmatch(doc, -1)
	if len(blocks) < 7 {
		t.Fatalf("the doc has %d alsh blocks, want one per step", len(blocks))
	}
	for _, b := range blocks {
		if !strings.Contains(body, unindent(b[1])) {
			t.Errorf("this block of the doc is not in the script:\n%s", b[1])
		}
	}
}

func unindent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, "\t ")
	}
	return strings.Join(lines, "\n")
}
