package proto

import "syscall"

// Disposition is what the kernel does with a signal sent to a node.
type Disposition int

const (
	DispDefault Disposition = iota // the kernel's default action
	DispIgnore
	DispCatch // written to the node's self-pipe, reported as an event
)

// SetDisposition sets sig's action and keeps track of it for children:
// the proto-node blocks the caught signals, a spawned program ignores the
// ignored ones again (see reignoreInChild).
func SetDisposition(sig syscall.Signal, d Disposition) error {
	if err := setAction(sig, d); err != nil {
		return err
	}
	bit := uint64(1) << (sig - 1)
	caughtMask &^= bit
	if d == DispCatch {
		caughtMask |= bit
	}
	ignored[sig] = d == DispIgnore
	return nil
}

var (
	caughtMask uint64   // bit sig-1 for each caught signal
	ignored    [65]bool // the signals set to SIG_IGN
)

// Caught is the set of caught signals, bit sig-1 for each.
func Caught() uint64 { return caughtMask }
