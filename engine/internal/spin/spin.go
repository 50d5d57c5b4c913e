// Package spin is the engine's bounded busy wait, and how long each side
// of a control socket spins. On this kind of VM a wake-up from sleep costs
// more than a call, so a caller (for its reply), a node and a proto-node
// (for their next call) first look for the message for a while, yielding
// the CPU between tries, and sleep only after that. It pays only when the
// other end can run meanwhile on another CPU: with one CPU a spin only
// delays it, so nobody spins there (the driver asks GOMAXPROCS, a node
// its CPU affinity).
//
// What the spins bought, measured on the 2-core VM of docs/engine.md:
// callers and nodes spinning at all, a round trip 30 -> 23 µs; the
// longer spins of a caller for an exec and an event, fork+execvp+exit
// 971 -> 917 µs over 8 interleaved rounds (the fork 140 -> 113 µs, the
// exec call 207 -> 164 µs).
//
// A spin gives way to others: it ends when its yields show another
// thread wanting the CPU (Again), and with more calls under way than half
// the CPUs the driver marks them crowded (wire.FlagCrowded): then neither
// the callers nor the nodes spin at all (engine's crowded).
//
// The durations are constants so that the proto-node, which runs no Go
// runtime, spins for the same times with raw syscalls of its own.
package spin

import (
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	// Reply bounds a caller's spin for its reply.
	Reply = 100 * time.Microsecond
	// Exec bounds a caller's spin for the end of an exec (or exit): the
	// socket closes 150–240 µs after the call here, and a caller asleep
	// by then was woken on an idle CPU, or behind the new program on its
	// own.
	Exec = 400 * time.Microsecond
	// Event bounds a caller's spin for an event, so that a child's exit
	// event, then the next fork, go without a wake-up.
	Event = time.Millisecond
	// Node bounds a node's (and a proto-node's) spin for its next call
	// after one: a script's next line comes sooner than a wake-up.
	Node = 50 * time.Microsecond
	// ProtoFirst is a proto-node's first spin, after its ready message:
	// its first call comes only once the driver has wired its fds (about
	// 50 µs here), so Node mostly missed it, and the proto-node slept
	// and was woken for its exec. With the fork's plumbing made ahead,
	// fork 239 -> 193 µs and the exec call 274 -> 215 µs (8 interleaved
	// rounds).
	ProtoFirst = 300 * time.Microsecond
)

// A Spin is one bounded busy wait: try, then Again, until the try
// succeeds or Again says the time is up.
type Spin struct {
	d        time.Duration
	deadline time.Time
	switches int64 // the thread's involuntary switches at the last look
	switched bool  // the last yield gave the CPU to another thread
	// Crowded: the spin ended early, at a yield that kept the CPU away
	// for Long or more, or at the second yield in a row that gave it to
	// another thread (Switches).
	Crowded bool
}

// Long: a yield that gave the CPU away this long found another thread
// that needed it (another program, or a node or caller with work).
const Long = 20 * time.Microsecond

// Start starts a spin of d.
func Start(d time.Duration) Spin {
	return Spin{d: d, deadline: time.Now().Add(d), switches: Switches()}
}

// Again says whether there is time for another try; if so it first
// yields the CPU, which the other end may need. Another thread wants
// this CPU, and the spin would only delay it, when a yield kept the CPU
// away for Long or more, or when two yields in a row, with a try between
// that found nothing, gave it to another thread: then the spin ends.
//
// One switch alone does not end it: the thread it went to may be the
// other end, on the same CPU, which answers during the yield, and the
// next try finds its message. Two do: with more spinners than CPUs, each
// yield handed the CPU to another spinner that yielded it back within a
// few µs, so no yield was long, and the spins went on (32 callers into
// 32 nodes on 2 CPUs: 19 sched_yield per call, perf stat). The kernel
// counts the switches (the thread's involuntary context switches).
func (s *Spin) Again() bool {
	before := time.Now()
	if !before.Before(s.deadline) {
		return false
	}
	syscall.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
	n := Switches()
	switched := n != s.switches
	s.Crowded = GiveWay(switched, s.switched, int64(time.Since(before)))
	s.switches, s.switched = n, switched
	return !s.Crowded
}

// GiveWay is Again's rule, which the proto-node's spin follows too: a
// spin ends at a yield that switched to another thread, if the yield
// before it switched as well or this one kept the CPU away (yieldNs) for
// Long.
//
//go:nosplit
func GiveWay(switched, switchedBefore bool, yieldNs int64) bool {
	return switched && (switchedBefore || yieldNs >= int64(Long))
}

// Extend gives the spin its whole time again, from now (a node served a
// call: the next may follow as fast).
func (s *Spin) Extend() {
	s.deadline = time.Now().Add(s.d)
	s.switched = false
}

// Switches is the calling thread's count of involuntary context switches:
// a sched_yield that ran another thread, or a preemption, adds one. A
// RawSyscall: getrusage never blocks.
func Switches() int64 {
	var ru syscall.Rusage
	syscall.RawSyscall(unix.SYS_GETRUSAGE, unix.RUSAGE_THREAD, uintptr(unsafe.Pointer(&ru)), 0)
	return ru.Nivcsw
}
