//go:build linux && !amd64

package engine

// No entry hook on this architecture: unshare clone_newuser in place is
// refused (a clone with clone_newuser works everywhere).
var entryHooked, entryFlags, entryResult int64
