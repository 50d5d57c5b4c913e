package relay

import (
	"errors"
	"io"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The relay's syscalls on its paths for messages and data are
// RawSyscalls. Every fd it reads or writes is non-blocking, so none of
// them waits (Go's poller does the waiting). A Syscall's entersyscall
// wakes the runtime's sysmon out of its deep sleep, which it enters
// whenever every P is idle: a relay idle between two messages woke it at
// nearly every call, and sysmon then polled every 20 µs for the next
// millisecond (perf of the hub under back-to-back calls: sysmon was a
// third of its CPU, its wake-ups and sleeps most of the rest).

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func bufPtr(p []byte) uintptr {
	if len(p) == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(&p[0]))
}

func rawRead(fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(unix.SYS_READ, uintptr(fd), bufPtr(p), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func rawWrite(fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(unix.SYS_WRITE, uintptr(fd), bufPtr(p), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// rawWritev writes iov's buffers (at most 1024 of them) in one writev.
func rawWritev(fd int, iov [][]byte, vecs []unix.Iovec) (int, []unix.Iovec, error) {
	vecs = vecs[:0]
	for _, b := range iov[:min(len(iov), 1024)] {
		if len(b) == 0 {
			continue
		}
		v := unix.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		vecs = append(vecs, v)
	}
	if len(vecs) == 0 {
		return 0, vecs, nil
	}
	n, _, e := syscall.RawSyscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&vecs[0])), uintptr(len(vecs)))
	if e != 0 {
		return 0, vecs, e
	}
	return int(n), vecs, nil
}

// rawSendmsg sends one message, whole or not at all, with the fds in oob.
func rawSendmsg(fd int, p, oob []byte) error {
	var iov unix.Iovec
	msg := unix.Msghdr{Iov: &iov, Iovlen: 1}
	if len(p) > 0 {
		iov.Base = &p[0]
		iov.SetLen(len(p))
	}
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
	_, _, e := syscall.RawSyscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
	return errnoErr(e)
}

func rawSplice(in, out, n int) (int, error) {
	k, _, e := syscall.RawSyscall6(unix.SYS_SPLICE, uintptr(in), 0, uintptr(out), 0, uintptr(n), unix.SPLICE_F_MOVE|unix.SPLICE_F_NONBLOCK)
	if e != 0 {
		return 0, e
	}
	return int(k), nil
}

// rawInq is what fd holds unread (FIONREAD).
func rawInq(fd int) (int, error) {
	var n int32
	_, _, e := syscall.RawSyscall(unix.SYS_IOCTL, uintptr(fd), unix.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	return int(n), errnoErr(e)
}

// rawFile reads and writes a non-blocking file of Go's poller with
// RawSyscalls, waiting in the poller: the stream's two ends.
type rawFile struct {
	f    *os.File
	rc   syscall.RawConn
	pkts *pktPoll // the stream's reader serves it while it waits; set once, before the Mux reads
}

// newRawFile fails for a file in blocking mode, which a RawSyscall
// would wait on while holding its P.
func newRawFile(f *os.File) (*rawFile, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var fl int
	if cerr := rc.Control(func(fd uintptr) { fl, err = unix.FcntlInt(fd, unix.F_GETFL, 0) }); cerr != nil {
		return nil, cerr
	}
	if err != nil || fl&unix.O_NONBLOCK == 0 {
		return nil, errors.New("not a non-blocking file")
	}
	return &rawFile{f: f, rc: rc}, nil
}

func (r *rawFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if r.pkts != nil {
		return r.readServing(p)
	}
	var n int
	var err error
	cerr := r.rc.Read(func(fd uintptr) bool {
		for {
			n, err = rawRead(int(fd), p)
			if !errors.Is(err, unix.EINTR) {
				return !errors.Is(err, unix.EAGAIN)
			}
		}
	})
	switch {
	case cerr != nil:
		return 0, cerr
	case err != nil:
		return 0, &os.PathError{Op: "read", Path: r.f.Name(), Err: err}
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// readServing reads the stream, serving the packet channels while it
// waits for it (pktPoll), and now and then while it does not.
func (r *rawFile) readServing(p []byte) (int, error) {
	for {
		var n int
		var err error
		if cerr := r.rc.Control(func(fd uintptr) { n, err = rawRead(int(fd), p) }); cerr != nil {
			return 0, cerr
		}
		switch {
		case errors.Is(err, unix.EAGAIN):
			if werr := r.pkts.wait(); werr != nil {
				return 0, werr
			}
			continue
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return 0, &os.PathError{Op: "read", Path: r.f.Name(), Err: err}
		case n == 0:
			return 0, io.EOF
		}
		r.pkts.servePending()
		return n, nil
	}
}

func (r *rawFile) Write(p []byte) (int, error) {
	var done int
	var err error
	cerr := r.rc.Write(func(fd uintptr) bool {
		for done < len(p) {
			var n int
			n, err = rawWrite(int(fd), p[done:])
			switch {
			case errors.Is(err, unix.EINTR):
				continue
			case errors.Is(err, unix.EAGAIN):
				return false
			case err != nil:
				return true
			}
			done += n
		}
		return true
	})
	if cerr != nil {
		return done, cerr
	}
	if err != nil {
		return done, &os.PathError{Op: "write", Path: r.f.Name(), Err: err}
	}
	return done, nil
}

func (r *rawFile) Close() error { return r.f.Close() }

// SyscallConn makes writeBatch write a batch in one writev.
func (r *rawFile) SyscallConn() (syscall.RawConn, error) { return r.rc, nil }

// rawReader is r as a rawFile, if it is a non-blocking file.
func rawReader(r io.Reader) io.Reader {
	if f, ok := r.(*os.File); ok {
		if raw, err := newRawFile(f); err == nil {
			return raw
		}
	}
	return r
}

// rawWriter is w as a rawFile, if it is a non-blocking file.
func rawWriter(w io.WriteCloser) io.WriteCloser {
	if f, ok := w.(*os.File); ok {
		if raw, err := newRawFile(f); err == nil {
			return raw
		}
	}
	return w
}

// Reader is f read with RawSyscalls if it is non-blocking, for a
// driver's stream (under NewDriver's bufio.Reader).
func Reader(f *os.File) io.Reader { return rawReader(f) }
