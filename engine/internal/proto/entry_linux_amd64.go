package proto

// Set by alshEntry before the Go runtime starts.
var (
	entryHooked int64 // 1 when the binary was linked with alshEntry as its entry
	entryResult int64 // what unshare returned: 0 or -errno
)

// entryFlags is where alshEntry reads the flags an in-place re-execution
// asked to unshare.
//
//lint:ignore U1000 only entry_linux_amd64.s uses it
var entryFlags int64

// alshEntry is the ELF entry point (see entry_linux_amd64.s).
//
//lint:ignore U1000 the linker's -E flag names it
func alshEntry()

// EntryHooked says whether the binary was linked with alshEntry as its
// ELF entry (make build's -ldflags=-E).
func EntryHooked() bool { return entryHooked == 1 }

// EntryUnshareResult is what alshEntry's unshare returned: 0 or -errno.
func EntryUnshareResult() int64 { return entryResult }
