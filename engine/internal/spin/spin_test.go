package spin

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A spin of nothing allows no second try.
func TestZeroSpinEndsAtOnce(t *testing.T) {
	s := Start(0)
	if s.Again() {
		t.Fatal("a spin of 0 allowed another try")
	}
}

// A spin ends once its time is up, and not before unless crowded.
func TestSpinEndsWhenTimeIsUp(t *testing.T) {
	const d = 20 * time.Millisecond
	start := time.Now()
	s := Start(d)
	tries := 0
	for s.Again() {
		tries++
	}
	if took := time.Since(start); took < d && !s.Crowded {
		t.Fatalf("the spin ended after %v, before its %v", took, d)
	}
	if tries == 0 && !s.Crowded {
		t.Fatal("no try within the spin's time")
	}
}

// Extend gives the spin its whole time again.
func TestSpinExtend(t *testing.T) {
	const d = 200 * time.Millisecond
	s := Start(d)
	time.Sleep(d)
	if s.Again() {
		t.Fatal("the spin's time was not up")
	}
	s.Extend()
	if !s.Again() && !s.Crowded { // a crowded CPU ends a spin at any time
		t.Fatal("Extend gave no time back")
	}
}

// A spin whose CPU another thread needs ends at once: both threads are
// pinned to one CPU, and the other one never yields.
func TestSpinEndsWhenCrowded(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var one unix.CPUSet
	one.Set(0)
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		t.Skip("cannot pin to CPU 0:", err)
	}
	var stop atomic.Bool
	started := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		unix.SchedSetaffinity(0, &one)
		close(started)
		for !stop.Load() {
		}
	}()
	defer stop.Store(true)
	<-started
	const d = 2 * time.Second
	start := time.Now()
	s := Start(d)
	for s.Again() {
	}
	if took := time.Since(start); !s.Crowded || took >= d {
		t.Fatalf("a crowded spin went on for %v (crowded %v)", took, s.Crowded)
	}
}

// Spinners that share a CPU end their spins at once: each yield hands the
// CPU to the other, which yields it back within a few µs, so no yield is
// long, but each is a switch. Two threads pinned to one CPU spin at once;
// both end crowded within a few tries (a spin that only ended at a long
// yield went on for hundreds: a yield of 20 µs or more came about once
// in 260 on the loaded VM, and never on a quiet one).
func TestSpinEndsWhenSpinnersShareCPU(t *testing.T) {
	// Two Ps, so that both spinners' threads want the CPU at once, as two
	// processes' do, also where the test runs on one CPU (taskset -c 0
	// gives it one P, and a goroutine without one never asks the kernel).
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	var one unix.CPUSet
	one.Set(0)
	const fewTries = 50
	type end struct {
		tries          int
		crowded, alone bool
	}
	ends := make(chan end, 2)
	var pinned, stopped atomic.Int32
	for range 2 {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			err := unix.SchedSetaffinity(0, &one)
			pinned.Add(1)
			for pinned.Load() < 2 { // busy: from here on both threads want the CPU
			}
			if err != nil {
				ends <- end{alone: true}
				return
			}
			s := Start(2 * time.Second)
			tries := 0
			for s.Again() {
				tries++
			}
			// Still want the CPU until the other spin ends too: a spin
			// left alone on it rightly goes on.
			for stopped.Add(1); stopped.Load() < 2; {
				unix.Syscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
			}
			ends <- end{tries: tries, crowded: s.Crowded}
		}()
	}
	for range 2 {
		e := <-ends
		if e.alone {
			t.Skip("cannot pin to CPU 0")
		}
		if !e.crowded || e.tries >= fewTries {
			t.Fatalf("a spin beside another on its CPU went on for %d tries (crowded %v)", e.tries, e.crowded)
		}
	}
}
