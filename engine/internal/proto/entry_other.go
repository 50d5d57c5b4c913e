//go:build linux && !amd64

package proto

import "errors"

// No entry hook on this architecture: unshare clone_newuser in place is
// refused (a clone with clone_newuser works everywhere).

// EntryHooked is false: there is no alshEntry here.
func EntryHooked() bool { return false }

// EntryUnshareResult is never read without the hook.
func EntryUnshareResult() int64 { return 0 }

// HookCopy cannot hook a binary here: alshEntry exists on amd64 only.
func HookCopy(int) (bool, error) {
	return false, errors.New("alsh has an entry hook on amd64 only")
}
