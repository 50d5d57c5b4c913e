package engine

import (
	"sync"
	"time"
)

// A parked caller (awaitParked) blocked on a timer of its own made the
// runtime wake an idle thread at every call to watch the new timer
// (wakeNetPoller): a call bounded by its context's deadline waits on the
// context alone, and one bounded by a far deadline (CallTimeout, 30 s
// unless set) on waitClock, whose one timer ticks while callers wait,
// until its deadline is near (farWait). A stdout, stderr or event call,
// local or remote, waits so too (waitFor).
const (
	farDeadline = time.Second
	clockTick   = 50 * time.Millisecond
)

var waitClock callClock

// callClock closes its tick channel every clockTick while anyone waits.
type callClock struct {
	mu      sync.Mutex
	waiters int
	tick    chan struct{}
	timer   *time.Timer
	armed   bool
}

// join counts a waiter in and gives the channel that the next tick closes.
func (k *callClock) join() <-chan struct{} {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.waiters++
	if k.tick == nil {
		k.tick = make(chan struct{})
	}
	if !k.armed {
		k.armed = true
		if k.timer == nil {
			k.timer = time.AfterFunc(clockTick, k.fire)
		} else {
			k.timer.Reset(clockTick)
		}
	}
	return k.tick
}

func (k *callClock) leave() {
	k.mu.Lock()
	k.waiters--
	k.mu.Unlock()
}

func (k *callClock) fire() {
	k.mu.Lock()
	defer k.mu.Unlock()
	close(k.tick)
	k.tick = make(chan struct{})
	if k.armed = k.waiters > 0; k.armed {
		k.timer.Reset(clockTick)
	}
}

// farWait waits for a deadline on waitClock's ticks while it is far,
// and on a timer of its own for the last stretch, so that it is kept
// exactly.
type farWait struct {
	end   time.Time
	timer *time.Timer
}

// next is what to wait on until the next look: a tick (then left must
// follow the wait) or the timer.
func (w *farWait) next() (<-chan struct{}, <-chan time.Time) {
	if w.timer == nil && time.Until(w.end) >= farDeadline {
		return waitClock.join(), nil
	}
	if w.timer == nil {
		w.timer = time.NewTimer(time.Until(w.end))
	}
	return nil, w.timer.C
}

// left ends a wait that next began on a tick.
func (w *farWait) left(tick <-chan struct{}) {
	if tick != nil {
		waitClock.leave()
	}
}

func (w *farWait) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}
