package engine

import (
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"os"
)

// alshModule is the module whose engine a binary must hold to serve as
// a host's hub and nodes.
const alshModule = "github.com/alsh/alsh"

// givenBinary checks the binary of Options.RemoteBinary before anything
// is sent: a Linux ELF executable built with alsh's engine, and the
// machines its ELF header names. The host's uname -m is then checked
// against those, as for this program's own binary.
func givenBinary(path string) (binaryInfo, error) {
	arches, err := elfArches(path)
	if err != nil {
		return binaryInfo{}, err
	}
	if err := holdsAlsh(path); err != nil {
		return binaryInfo{}, err
	}
	b, err := hashBinary(path)
	if err != nil {
		return b, fmt.Errorf("remote binary: %w", err)
	}
	b.arches, b.given = arches, true
	return b, nil
}

// elfArches reads the uname -m names of the machines the ELF executable
// at path runs on.
func elfArches(path string) (string, error) {
	file, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("remote binary: %w", err)
	}
	defer file.Close()
	f, err := elf.NewFile(file)
	if err != nil {
		return "", fmt.Errorf("remote binary %s: not an ELF executable (%v)", path, err)
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return "", fmt.Errorf("remote binary %s: an ELF %s, not an executable", path, f.Type)
	}
	goarch := elfGoarch(f)
	if goarch == "" {
		return "", fmt.Errorf("remote binary %s: built for %s, a machine alsh does not know", path, f.Machine)
	}
	return unameNames(goarch), nil
}

// elfGoarch is the GOARCH of an ELF file's machine, or "".
func elfGoarch(f *elf.File) string {
	le := f.ByteOrder.String() == "LittleEndian"
	switch f.Machine {
	case elf.EM_X86_64:
		return "amd64"
	case elf.EM_AARCH64:
		return "arm64"
	case elf.EM_386:
		return "386"
	case elf.EM_ARM:
		return "arm"
	case elf.EM_LOONGARCH:
		return "loong64"
	case elf.EM_RISCV:
		return "riscv64"
	case elf.EM_S390:
		return "s390x"
	case elf.EM_PPC64:
		if le {
			return "ppc64le"
		}
		return "ppc64"
	case elf.EM_MIPS:
		if f.Class == elf.ELFCLASS64 {
			return "mips64"
		}
		return "mips"
	}
	return ""
}

// holdsAlsh checks, from the Go build information, that the binary is a
// Linux build holding alsh's module: the alsh command, or a program
// that embeds the engine.
func holdsAlsh(path string) error {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return fmt.Errorf("remote binary %s: not an alsh binary (no Go build information: %v)", path, err)
	}
	found := bi.Main.Path == alshModule
	for _, d := range bi.Deps {
		found = found || d.Path == alshModule
	}
	if !found {
		return fmt.Errorf("remote binary %s: not an alsh binary (a Go program of %s without %s)", path, bi.Path, alshModule)
	}
	for _, s := range bi.Settings {
		if s.Key == "GOOS" && s.Value != "linux" {
			return fmt.Errorf("remote binary %s: built for GOOS=%s; a host needs a Linux build", path, s.Value)
		}
	}
	return nil
}
