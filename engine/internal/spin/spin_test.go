package spin

import (
	"testing"
	"time"
)

// A spin of nothing allows no second try.
func TestZeroSpinEndsAtOnce(t *testing.T) {
	s := Start(0)
	if s.Again() {
		t.Fatal("a spin of 0 allowed another try")
	}
}

// A spin ends once its time is up, and not before.
func TestSpinEndsWhenTimeIsUp(t *testing.T) {
	const d = 20 * time.Millisecond
	start := time.Now()
	s := Start(d)
	tries := 0
	for s.Again() {
		tries++
	}
	if took := time.Since(start); took < d {
		t.Fatalf("the spin ended after %v, before its %v", took, d)
	}
	if tries == 0 {
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
	if !s.Again() {
		t.Fatal("Extend gave no time back")
	}
}
