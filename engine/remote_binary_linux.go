package engine

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime/debug"
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
	f, err := readELF(file)
	if err != nil {
		return "", fmt.Errorf("remote binary %s: not an ELF executable (%v)", path, err)
	}
	if f.typ != elfTypeExec && f.typ != elfTypeDyn {
		return "", fmt.Errorf("remote binary %s: an ELF %s, not an executable", path, elfTypeName(f.typ))
	}
	goarch := elfGoarch(f)
	if goarch == "" {
		return "", fmt.Errorf("remote binary %s: built for ELF machine %d, a machine alsh does not know", path, f.machine)
	}
	return unameNames(goarch), nil
}

// ELF machines (e_machine) that Go builds for Linux.
const (
	elfMachine386       = 3
	elfMachineMIPS      = 8
	elfMachinePPC64     = 21
	elfMachineS390      = 22
	elfMachineARM       = 40
	elfMachineX86_64    = 62
	elfMachineAARCH64   = 183
	elfMachineRISCV     = 243
	elfMachineLoongArch = 258
)

// elfGoarch is the GOARCH of an ELF file's machine, or "".
func elfGoarch(f *elfFile) string {
	switch f.machine {
	case elfMachineX86_64:
		return "amd64"
	case elfMachineAARCH64:
		return "arm64"
	case elfMachine386:
		return "386"
	case elfMachineARM:
		return "arm"
	case elfMachineLoongArch:
		return "loong64"
	case elfMachineRISCV:
		return "riscv64"
	case elfMachineS390:
		return "s390x"
	case elfMachinePPC64:
		if f.order == binary.LittleEndian {
			return "ppc64le"
		}
		return "ppc64"
	case elfMachineMIPS:
		if f.class == elfClass64 {
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
	bi, err := readBuildInfo(path)
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

// readBuildInfo reads the Go build information of the ELF file at path.
func readBuildInfo(path string) (*debug.BuildInfo, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	f, err := readELF(file)
	if err != nil {
		return nil, err
	}
	return f.goBuildInfo()
}
