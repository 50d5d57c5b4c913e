//go:build linux && !amd64

package engine

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// Without the assembly handler of amd64, caught signals go through
// os/signal, which costs a start about 70 µs per signal.

var sigCh = make(chan os.Signal, 64)

// signalsInterruptMain: a signal taken by another thread does not end a
// blocking syscall of the main thread, so a node waits for calls in epoll
// only (see node.awaitCall).
const signalsInterruptMain = false

// sigGen would count the signals taken; nothing waits on it here.
var sigGen int64

// startSignalPipe sends caught signals to the pipe's write end w.
func startSignalPipe(w int) {
	go func() {
		for s := range sigCh {
			unix.Write(w, []byte{byte(s.(syscall.Signal))})
		}
	}()
}

// reignoreInChild has nothing to do: signal.Ignore tells the runtime, whose
// fork hook then leaves the signal ignored.
//
//go:nosplit
func reignoreInChild() {}

func setAction(sig syscall.Signal, d disposition) error {
	switch d {
	case dispCatch:
		signal.Notify(sigCh, sig)
	case dispIgnore:
		signal.Ignore(sig)
	default:
		// Notify first: after Ignore, Reset alone would leave SIG_IGN.
		signal.Notify(sigCh, sig)
		signal.Reset(sig)
	}
	return nil
}
