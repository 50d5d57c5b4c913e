package proto

import "syscall"

// disposition is what the kernel does with a signal sent to a node.
type disposition int

const (
	DispDefault disposition = iota // the kernel's default action
	DispIgnore
	DispCatch // written to the node's self-pipe, reported as an event
)

// SetDisposition sets sig's action and keeps track of it for children:
// the proto-node blocks the caught signals, a spawned program ignores the
// ignored ones again (see reignoreInChild).
func SetDisposition(sig syscall.Signal, d disposition) error {
	if err := setAction(sig, d); err != nil {
		return err
	}
	bit := uint64(1) << (sig - 1)
	CaughtMask &^= bit
	if d == DispCatch {
		CaughtMask |= bit
	}
	ignored[sig] = d == DispIgnore
	return nil
}

var (
	CaughtMask uint64   // bit sig-1 for each caught signal
	ignored    [65]bool // the signals set to SIG_IGN
)
