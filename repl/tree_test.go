package repl

import (
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
)

func TestDrawTree(t *testing.T) {
	ns := func(pid, mnt string) map[string]string { return map[string]string{"pid": pid, "mnt": mnt} }
	procs := []builtins.ProcInfo{
		{Pid: 100, Uid: 1000, NS: ns("1", "2")},
		{Pipeline: []int{200}, Pid: 200, Uid: 1000, NS: ns("1", "2")},
		{Pipeline: []int{200, 300}, Pid: 300, Uid: 0, NS: ns("5", "6"), Exec: true, Argv: []string{"cat", "-n"}},
		{Pipeline: []int{201}, Pid: 201, Uid: 1000, NS: ns("1", "7")},
	}
	var b strings.Builder
	drawTree(&b, procs)
	want := `[] 100 node  uid 1000
├─ 200 node
│  └─ 300 cat -n  uid 0  new ns: mnt pid
└─ 201 node  new ns: mnt
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	drawTree(&b, nil)
	if b.String() != "no processes\n" {
		t.Errorf("empty tree: %q", b.String())
	}
}

func TestWriteLine(t *testing.T) {
	tests := []struct{ host, kind, line, want string }{
		{"", "stdout", "hello\n", "[1 2] stdout: hello\n"},
		{"", "stderr", "oops\r\n", "[1 2] stderr: oops\n"},
		{"", "stdout", "\x1b[2Jclear\n", `[1 2] stdout: "\x1b[2Jclear"` + "\n"},
		{"box1", "stdout", "hello\n", "box1 [1 2] stdout: hello\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		writeLine(&b, tt.host, []int{1, 2}, tt.kind, tt.line)
		if b.String() != tt.want {
			t.Errorf("writeLine(%q) = %q, want %q", tt.line, b.String(), tt.want)
		}
	}
}

func TestHistoryEncoding(t *testing.T) {
	entry := "proc f $x {\n\treturn $x\n}"
	if got := decodeEntry(encodeEntry(entry)); got != entry {
		t.Errorf("round trip: %q", got)
	}
	if strings.Contains(encodeEntry(entry), "\n") {
		t.Error("encoded entry has a newline")
	}
}

func TestHelpConstants(t *testing.T) {
	got := helpConstants("help setrlimit")
	if !strings.Contains(got, "resource accepts: rlim_infinity rlimit_as rlimit_core") {
		t.Errorf("help setrlimit: %q", got)
	}
	if helpConstants("help getpid") != "" || helpConstants("print 1") != "" {
		t.Error("constants for a call without flags")
	}
}

func TestHistoryFile(t *testing.T) {
	h := &history{path: t.TempDir() + "/sub/history"}
	entries := []string{"print 1", "proc f $x {\n\treturn $x\n}", "print 2"}
	for _, e := range entries {
		if err := h.add(e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := readHistory(h.path)
	if err != nil || strings.Join(got, "|") != strings.Join(entries, "|") {
		t.Errorf("readHistory = %q, %v", got, err)
	}
}

// TestDrawTreeWithHosts: a remote host's root ([-id]) and its children
// are drawn after the local tree, under the host's name.
func TestDrawTreeWithHosts(t *testing.T) {
	procs := []builtins.ProcInfo{
		{Pid: 100, Uid: -1},
		{Pipeline: []int{200}, Pid: 200, Uid: -1},
		{Pipeline: []int{-1}, Uid: -1, Host: "box1"},
		{Pipeline: []int{-1, 40}, Pid: 40, Uid: -1, Host: "box1", Exec: true, Argv: []string{"sleep", "9"}},
	}
	var b strings.Builder
	drawTree(&b, procs)
	want := `[] 100 node
└─ 200 node
box1 [-1] node
└─ 40 sleep 9
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
