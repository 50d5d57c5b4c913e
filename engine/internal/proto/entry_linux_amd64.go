package proto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Set by alshEntry before the Go runtime starts.
var (
	entryHooked int64 // 1 when the process entered through alshEntry
	entryResult int64 // what unshare returned: 0 or -errno
)

// entryFlags is where alshEntry reads the flags an in-place re-execution
// asked to unshare.
//
//lint:ignore U1000 only entry_linux_amd64.s uses it
var entryFlags int64

// alshEntry is the hooked ELF entry point (see entry_linux_amd64.s).
//
//lint:ignore U1000 entryPCs takes its address, the linker's -E may name it
func alshEntry()

// entryPCs returns the addresses of alshEntry and of the Go runtime's
// own ELF entry, _rt0_amd64_linux, in this process.
func entryPCs() (hook, runtime uintptr)

// EntryHooked says whether this process entered through alshEntry: it was
// started from the hooked copy of the binary (every node but the root), or
// the binary was linked with -ldflags=-E=EntrySymbol.
func EntryHooked() bool { return entryHooked == 1 }

// EntryUnshareResult is what alshEntry's unshare returned: 0 or -errno.
func EntryUnshareResult() int64 { return entryResult }

// ELF64 header fields that HookCopy reads and writes.
const (
	elfEntryOff   = 24 // e_entry
	elfHeaderSize = 64
	elfMachineX86 = 62 // EM_X86_64
	atEntry       = 9  // AT_ENTRY in the auxiliary vector
)

// HookCopy makes the copy of this binary open for writing on fd enter
// through alshEntry, by rewriting its ELF header's entry address: the
// kernel then starts every process executed from it at alshEntry, which
// does its work (unshare for an in-place re-execution) while the process
// has one thread, and jumps to the Go runtime's entry. No linker flag and
// no cgo are needed. The new entry is the old one moved by the distance
// between the two functions in this process, so it holds for a
// position-independent binary too. It runs in the root node, with its
// runtime, before the copy is sealed. It reports whether the copy enters
// through alshEntry, and why not when it cannot.
func HookCopy(fd int) (bool, error) {
	var hdr [elfHeaderSize]byte
	if n, err := unix.Pread(fd, hdr[:], 0); err != nil || n != len(hdr) {
		return false, fmt.Errorf("reading the ELF header of the binary's copy: %d bytes, %v", n, err)
	}
	if string(hdr[:4]) != "\x7fELF" || hdr[4] != 2 || hdr[5] != 1 ||
		binary.LittleEndian.Uint16(hdr[18:]) != elfMachineX86 {
		return false, errors.New("the binary is not a little-endian x86-64 ELF64 file")
	}
	started, err := auxEntry()
	if err != nil {
		return false, err
	}
	hook, rt0 := entryPCs()
	switch uintptr(started) {
	case hook: // linked with -E: the copy already enters there
		return true, nil
	case rt0:
	default:
		return false, fmt.Errorf("the process entered at %#x, neither the Go runtime's entry (%#x) nor alshEntry (%#x): a binary linked with a C start file cannot be hooked", started, rt0, hook)
	}
	entry := binary.LittleEndian.Uint64(hdr[elfEntryOff:]) + uint64(hook) - uint64(rt0)
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], entry)
	if n, err := unix.Pwrite(fd, b[:], elfEntryOff); err != nil || n != len(b) {
		return false, fmt.Errorf("writing the entry of the binary's copy: %d bytes, %v", n, err)
	}
	return true, nil
}

// auxEntry reads the address this process entered at (AT_ENTRY) from
// /proc/self/auxv, with raw syscalls: an os.File would start the Go
// netpoller, whose fds must not take the node's fixed numbers.
func auxEntry() (uint64, error) {
	fd, err := unix.Open("/proc/self/auxv", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, &os.PathError{Op: "open", Path: "/proc/self/auxv", Err: err}
	}
	defer unix.Close(fd)
	var buf [4096]byte
	n, err := unix.Read(fd, buf[:])
	if err != nil {
		return 0, &os.PathError{Op: "read", Path: "/proc/self/auxv", Err: err}
	}
	for i := 0; i+16 <= n; i += 16 {
		if binary.LittleEndian.Uint64(buf[i:]) == atEntry {
			return binary.LittleEndian.Uint64(buf[i+8:]), nil
		}
	}
	return 0, errors.New("/proc/self/auxv holds no AT_ENTRY")
}
