//go:build linux && !amd64

package proto

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// Without the assembly handler of amd64, caught signals go through
// os/signal, which costs a start about 70 µs per signal.

var sigCh = make(chan os.Signal, 64)

// SignalsInterruptMain: a signal taken by another thread does not end a
// blocking syscall of the main thread, so a node waits for calls in epoll
// only (see node.awaitCall).
const SignalsInterruptMain = false

// sigGen would count the signals taken; nothing waits on it here.
var sigGen int64

// SignalsWritten is 0: nothing counts them here.
func SignalsWritten() int64 { return 0 }

// StartSignalPipe sends caught signals to the pipe's write end w.
func StartSignalPipe(w int) {
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

func defaultCaughtInChild() {}

func setAction(sig syscall.Signal, d Disposition) error {
	switch d {
	case DispCatch:
		signal.Notify(sigCh, sig)
	case DispIgnore:
		signal.Ignore(sig)
	default:
		// Notify first: after Ignore, Reset alone would leave SIG_IGN.
		signal.Notify(sigCh, sig)
		signal.Reset(sig)
	}
	return nil
}
