package engine

import "sync/atomic"

// lateReplies counts, for one control socket, the messages due that
// nobody waits for any more: the reply of a call whose caller gave up, or
// a ready message nobody waits for. A reply rings no bell (see bell), so
// while one is due the poller watches the socket itself for messages
// (ctlPoller.watch). Else it would stay unread, and with it the fds of a
// fork's child, which would live on; and the bell's gains (replies that
// wake only their caller) would cost a child left behind at each timeout.
type lateReplies struct {
	n     atomic.Int32 // messages due that nobody waits for
	ready atomic.Bool  // one of them is the ready message
}

// expect counts one more.
func (l *lateReplies) expect() { l.n.Add(1) }

// came counts one off, as it came; never below zero (a reply dropped
// after the conn's close was not counted).
func (l *lateReplies) came() {
	for n := l.n.Load(); n > 0 && !l.n.CompareAndSwap(n, n-1); n = l.n.Load() {
	}
}

// due says whether any is still due.
func (l *lateReplies) due() bool { return l.n.Load() > 0 }

// readyDue marks the ready message late; true the first time only, when
// the caller must expect it.
func (l *lateReplies) readyDue() bool { return !l.ready.Swap(true) }

// readyCame counts the ready message off, if it was late.
func (l *lateReplies) readyCame() {
	if l.ready.Swap(false) {
		l.came()
	}
}
