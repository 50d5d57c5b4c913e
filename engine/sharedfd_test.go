package engine

import (
	"testing"

	"golang.org/x/sys/unix"
)

// A sharedFd closed while in use stays open until that use ends, then is
// closed; after close, no new use begins.
func TestSharedFdClosesAfterLastUse(t *testing.T) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	s := newSharedFd(fd)
	got, ok := s.acquire()
	if !ok || got != fd {
		t.Fatalf("acquire = %d, %v; want %d", got, ok, fd)
	}
	s.close()
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		t.Fatalf("fd closed while in use: %v", err)
	}
	if _, ok := s.acquire(); ok {
		t.Fatal("a new use began after close")
	}
	s.done()
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != unix.EBADF {
		t.Fatalf("fd after the last use: %v, want EBADF", err)
	}
	s.close() // twice: nothing more
}
