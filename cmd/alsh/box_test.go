package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdBoxCmp runs `alsh box ARGS…` and `bwrap ARGS…` with the same
// arguments, stdin /dev/null and working directory, and fails unless the
// program's stdout and exit status agree. A first argument <FILE gives
// both FILE open on fd 3 (for --file 3 and --seccomp 3); -nobody runs
// both as uid and gid 65534, an unprivileged user.
func cmdBoxCmp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: boxcmp [-nobody] [<FILE] BWRAP-ARGS…")
	}
	r := boxRunner{ts: ts, alsh: filepath.Join(binDir(ts), "alsh"), dir: ts.Getenv("WORK")}
	if args[0] == "-nobody" {
		r.nobody, args = true, args[1:]
		r.alsh, r.dir = nobodyCopy(ts, r.alsh)
	}
	if name, ok := strings.CutPrefix(args[0], "<"); ok {
		r.fd3, args = ts.MkAbs(name), args[1:]
	}
	aOut, aCode := r.run(r.alsh, append([]string{"box"}, args...))
	bOut, bCode := r.run("bwrap", args)
	if aOut != bOut || aCode != bCode {
		ts.Fatalf("alsh box and bwrap disagree:\nalsh box: status %d, stdout %q\nbwrap:    status %d, stdout %q", aCode, aOut, bCode, bOut)
	}
	ts.Logf("agree: status %d, stdout %q", aCode, aOut)
}

// binDir is the directory testscript put its commands in: the first of PATH.
func binDir(ts *testscript.TestScript) string {
	return filepath.SplitList(ts.Getenv("PATH"))[0]
}

// boxRunner runs one side of a comparison.
type boxRunner struct {
	ts        *testscript.TestScript
	alsh, dir string
	fd3       string
	nobody    bool
}

// nobodyCopy copies the alsh command where uid 65534 may run it (once
// per script, removed at its end), and returns it and a directory that
// user may work in.
func nobodyCopy(ts *testscript.TestScript, alsh string) (string, string) {
	if copied := ts.Getenv("NOBODY_ALSH"); copied != "" {
		return copied, filepath.Dir(copied)
	}
	dir, err := os.MkdirTemp("", "alsh-box-nobody")
	ts.Check(err)
	ts.Defer(func() { os.RemoveAll(dir) })
	ts.Check(os.Chmod(dir, 0o755))
	data, err := os.ReadFile(alsh)
	ts.Check(err)
	copied := filepath.Join(dir, "alsh")
	ts.Check(os.WriteFile(copied, data, 0o755))
	ts.Setenv("NOBODY_ALSH", copied)
	return copied, dir
}

func (r boxRunner) run(prog string, args []string) (string, int) {
	ts := r.ts
	cmd := exec.Command(prog, args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "PATH="+ts.Getenv("PATH"))
	if r.nobody {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if r.fd3 != "" {
		f, err := os.Open(r.fd3)
		ts.Check(err)
		defer f.Close()
		cmd.ExtraFiles = []*os.File{f}
	}
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		ts.Fatalf("%s: %v", prog, err)
	}
	if errOut.Len() > 0 {
		ts.Logf("%s stderr: %s", filepath.Base(prog), errOut.String())
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

// cmdSeccompDenyMkdir writes a seccomp BPF program, raw sock_filter
// records, that fails mkdir(2) with EPERM and allows the rest (x86-64
// numbers; the arch is checked first).
func cmdSeccompDenyMkdir(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: seccomp-deny-mkdir FILE")
	}
	const (
		ldAbs      = 0x20 // BPF_LD|BPF_W|BPF_ABS
		jeqK       = 0x15 // BPF_JMP|BPF_JEQ|BPF_K
		retK       = 0x06 // BPF_RET|BPF_K
		archX86_64 = 0xc000003e
		nrMkdir    = 83
		retAllow   = 0x7fff0000
		retKill    = 0x80000000
		retEperm   = 0x00050000 | 1
	)
	prog := [][4]uint32{
		{ldAbs, 0, 0, 4}, // arch
		{jeqK, 1, 0, archX86_64},
		{retK, 0, 0, retKill},
		{ldAbs, 0, 0, 0}, // nr
		{jeqK, 0, 1, nrMkdir},
		{retK, 0, 0, retEperm},
		{retK, 0, 0, retAllow},
	}
	var b bytes.Buffer
	for _, ins := range prog {
		binary.Write(&b, binary.NativeEndian, uint16(ins[0]))
		b.WriteByte(byte(ins[1]))
		b.WriteByte(byte(ins[2]))
		binary.Write(&b, binary.NativeEndian, ins[3])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b.Bytes(), 0o644))
}

// cmdUnmarked checks that no process is left whose environment holds
// ALSH_BOX_TEST_MARK=MARK: nothing a marked alsh started survives it.
func cmdUnmarked(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: unmarked MARK")
	}
	mark := []byte("\x00ALSH_BOX_TEST_MARK=" + args[0] + "\x00")
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids := marked(mark)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("processes left behind: %v", pids)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func marked(mark []byte) []string {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []string
	for _, d := range dirs {
		env, err := os.ReadFile(filepath.Join(d, "environ"))
		if err == nil && bytes.Contains(append([]byte{0}, env...), mark) {
			pids = append(pids, filepath.Base(d))
		}
	}
	return pids
}
