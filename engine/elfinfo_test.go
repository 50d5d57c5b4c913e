package engine

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// crossBuildTool builds tools/benchtable (a small program of alsh's
// module) for linux/goarch: real ELF files of other classes, byte
// orders and machines than this one's.
func crossBuildTool(t *testing.T, goarch string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "benchtable-"+goarch)
	cmd := exec.Command("go", "build", "-o", out, "github.com/alsh/alsh/tools/benchtable")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOARCH=%s go build: %v: %s", goarch, err, msg)
	}
	return out
}

// elfTestFiles are real executables: this test binary, the system's
// (dynamic and static) and Go programs built for 32-bit, big-endian and
// arm64 machines.
func elfTestFiles(t *testing.T) []string {
	files := []string{"/proc/self/exe", "/bin/sh", "/bin/true", "/bin/busybox"}
	for _, goarch := range []string{"386", "s390x", "arm64"} {
		files = append(files, crossBuildTool(t, goarch))
	}
	return files
}

// The ELF reader finds the same type, machine, class, byte order and
// interpreter as debug/elf, on real executables.
func TestELFReaderMatchesDebugELF(t *testing.T) {
	for _, path := range elfTestFiles(t) {
		want, err := elf.Open(path)
		if err != nil {
			t.Fatalf("debug/elf %s: %v", path, err)
		}
		file, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readELF(file)
		if err != nil {
			t.Fatalf("readELF %s: %v", path, err)
		}
		if got.typ != uint16(want.Type) || got.machine != uint16(want.Machine) ||
			got.class != byte(want.Class) || got.order != want.ByteOrder {
			t.Errorf("%s: type %d machine %d class %d order %v, debug/elf says %v %v %v %v",
				path, got.typ, got.machine, got.class, got.order, want.Type, want.Machine, want.Class, want.ByteOrder)
		}
		if got, want := elfInterpreter(path), debugELFInterpreter(t, want); got != want {
			t.Errorf("%s: interpreter %q, debug/elf says %q", path, got, want)
		}
		checkSections(t, path, got, want)
		want.Close()
		file.Close()
	}
}

// checkSections compares the section names, addresses and sizes in the
// file (debug/elf's Size is a compressed section's size uncompressed).
func checkSections(t *testing.T, path string, got *elfFile, want *elf.File) {
	t.Helper()
	ss, err := got.sections()
	if err != nil || len(ss) != len(want.Sections) {
		t.Fatalf("%s: %d sections (%v), debug/elf reads %d", path, len(ss), err, len(want.Sections))
	}
	for i, s := range want.Sections {
		if ss[i].name != s.Name || ss[i].addr != s.Addr || ss[i].off != s.Offset || ss[i].size != s.FileSize {
			t.Errorf("%s: section %d is %+v, debug/elf reads %+v", path, i, ss[i], s.SectionHeader)
		}
	}
}

func debugELFInterpreter(t *testing.T, f *elf.File) string {
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				t.Fatal(err)
			}
			return string(bytes.TrimSuffix(b, []byte{0}))
		}
	}
	return ""
}

// The build information read is debug/buildinfo's, field for field, on
// Go programs of several machines; a program without one (a C one) is
// refused by both.
func TestBuildInfoReaderMatchesDebugBuildinfo(t *testing.T) {
	for _, path := range elfTestFiles(t) {
		want, wantErr := buildinfo.ReadFile(path)
		got, err := readBuildInfo(path)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%s: error %v, debug/buildinfo's %v", path, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, debug/buildinfo reads %+v", path, got, want)
		}
	}
}

// Without section headers (as after sstrip), the build information is
// found in the writable segment, as debug/buildinfo finds it.
func TestBuildInfoWithoutSectionHeaders(t *testing.T) {
	data, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	clear(data[40:48]) // e_shoff
	clear(data[60:64]) // e_shnum, e_shstrndx
	path := filepath.Join(t.TempDir(), "stripped")
	if err := os.WriteFile(path, data, 0o755); err != nil {
		t.Fatal(err)
	}
	want, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatalf("debug/buildinfo: %v", err)
	}
	got, err := readBuildInfo(path)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v (%v), debug/buildinfo reads %+v", got, err, want)
	}
}

// Hand-made headers of a 32-bit big-endian MIPS and a 64-bit big-endian
// PPC64 are read as debug/elf reads them, and name their GOARCH.
func TestELFReaderBigEndianHeaders(t *testing.T) {
	for _, c := range []struct {
		class   byte
		machine uint16
		goarch  string
	}{{elfClass32, elfMachineMIPS, "mips"}, {elfClass64, elfMachinePPC64, "ppc64"}, {elfClass64, elfMachineMIPS, "mips64"}} {
		h := bigEndianHeader(c.class, c.machine)
		want, err := elf.NewFile(bytes.NewReader(h))
		if err != nil {
			t.Fatalf("debug/elf: %v", err)
		}
		got, err := readELF(bytes.NewReader(h))
		if err != nil || got.machine != uint16(want.Machine) || got.typ != uint16(want.Type) || got.order != binary.BigEndian {
			t.Fatalf("%+v (%v), debug/elf reads %v %v", got, err, want.Machine, want.Type)
		}
		if g := elfGoarch(got); g != c.goarch {
			t.Errorf("machine %d class %d: GOARCH %q, want %q", c.machine, c.class, g, c.goarch)
		}
	}
}

// bigEndianHeader is an executable's ELF header without tables.
func bigEndianHeader(class byte, machine uint16) []byte {
	size := 52
	if class == elfClass64 {
		size = 64
	}
	h := make([]byte, size)
	copy(h, "\x7fELF")
	h[4], h[5], h[6] = class, elfData2MSB, 1
	binary.BigEndian.PutUint16(h[16:], elfTypeExec)
	binary.BigEndian.PutUint16(h[18:], machine)
	binary.BigEndian.PutUint32(h[20:], 1)
	binary.BigEndian.PutUint16(h[size-12:], uint16(size)) // e_ehsize
	return h
}

// Every truncation of a real executable, and files that are not ELF,
// give an error or nothing, never a panic or a wrong interpreter.
func TestELFReaderTruncatedFiles(t *testing.T) {
	data, err := os.ReadFile("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 4, 16, 51, 63, 64, 100, 1000, 4096} {
		f, err := readELF(bytes.NewReader(data[:n]))
		if err != nil {
			continue
		}
		if interp, err := f.interpreter(); err == nil && interp != "" && n < 1000 {
			t.Errorf("%d bytes: interpreter %q", n, interp)
		}
		f.goBuildInfo() // an error: what counts is that it returns
	}
	for _, text := range []string{"not a program\n", "\x7fELF", "\x7fELF\x02\x01\x01" + string(make([]byte, 60))} {
		if f, err := readELF(bytes.NewReader([]byte(text))); err == nil {
			if _, err := f.goBuildInfo(); err == nil {
				t.Errorf("%q: build information read", text)
			}
		}
	}
}
