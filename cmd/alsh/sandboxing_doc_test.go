package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSandboxingDocRuns checks that every ```alsh block of
// docs/sandboxing-cgroups-network.md is in
// scripts/sandbox-cgroups-network.alsh, verbatim up to indentation, so
// the examples are what testdata/script/sandbox_cgroups_network.txtar runs.
func TestSandboxingDocRuns(t *testing.T) {
	doc, err := os.ReadFile("../../docs/sandboxing-cgroups-network.md")
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("../../scripts/sandbox-cgroups-network.alsh")
	if err != nil {
		t.Fatal(err)
	}
	body := unindent(string(script))
	blocks := regexp.MustCompile("(?s)```alsh\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
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
