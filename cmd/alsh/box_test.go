package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdBoxCmp runs `alsh box ARGS…` and `bwrap ARGS…` with the same
// arguments, stdin /dev/null and working directory, and fails unless the
// program's stdout and exit status agree. A first argument <FILE gives
// both FILE open on fd 3 (for --file 3 and --seccomp 3).
func cmdBoxCmp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: boxcmp [<FILE] BWRAP-ARGS…")
	}
	fd3 := ""
	if name, ok := strings.CutPrefix(args[0], "<"); ok {
		fd3, args = ts.MkAbs(name), args[1:]
	}
	alsh := filepath.Join(binDir(ts), "alsh")
	aOut, aCode := runBoxed(ts, fd3, alsh, append([]string{"box"}, args...))
	bOut, bCode := runBoxed(ts, fd3, "bwrap", args)
	if aOut != bOut || aCode != bCode {
		ts.Fatalf("alsh box and bwrap disagree:\nalsh box: status %d, stdout %q\nbwrap:    status %d, stdout %q", aCode, aOut, bCode, bOut)
	}
	ts.Logf("agree: status %d, stdout %q", aCode, aOut)
}

// binDir is the directory testscript put its commands in: the first of PATH.
func binDir(ts *testscript.TestScript) string {
	return filepath.SplitList(ts.Getenv("PATH"))[0]
}

func runBoxed(ts *testscript.TestScript, fd3, prog string, args []string) (string, int) {
	cmd := exec.Command(prog, args...)
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = append(os.Environ(), "PATH="+ts.Getenv("PATH"))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if fd3 != "" {
		f, err := os.Open(fd3)
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
