package builtins

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"

	"net/netip"

	"golang.org/x/sys/unix"
)

// Node-side implementations of control, signal and security calls, and
// of the calls that pass buffers (cstruct.go).

func sysFilter(n Node, a Args) (any, error) {
	self, err := FilterSet(a.Value(0))
	if err != nil {
		return nil, &ArgError{Call: "filter", N: 1, Name: "self", Msg: err.Error()}
	}
	children := self
	if a.Has(1) {
		if children, err = FilterSet(a.Value(1)); err != nil {
			return nil, &ArgError{Call: "filter", N: 2, Name: "children", Msg: err.Error()}
		}
	}
	return ok(n.Filter(self, children))
}

// isSigAction says whether sigaction accepts the action s (a switch, not
// a map literal that every start of the binary built).
func isSigAction(s string) bool {
	switch s {
	case "sig_dfl", "sig_ign", "sig_info":
		return true
	}
	return false
}

func sysSigaction(n Node, a Args) (any, error) {
	action := ""
	if a.Has(1) {
		var err error
		if action, err = sigActionArg(a.Value(1)); err != nil {
			return nil, &ArgError{Call: "sigaction", N: 2, Name: "action", Msg: err.Error()}
		}
	}
	old, err := n.Sigaction(int(a.Int(0)), action)
	if err != nil {
		return nil, err
	}
	return Const(old), nil
}

// sigActionArg accepts sig_dfl, sig_ign, sig_info (as constants or
// strings), or ok / "" to query.
func sigActionArg(v any) (string, error) {
	var s string
	switch v := v.(type) {
	case nil:
		return "", nil
	case Const:
		s = string(v)
	case string:
		s = v
	default:
		return "", fmt.Errorf("want sig_dfl, sig_ign or sig_info, got %s", TypeName(v))
	}
	s = strings.ToLower(s)
	if s != "" && !isSigAction(s) {
		return "", fmt.Errorf("want sig_dfl, sig_ign or sig_info, got %s", s)
	}
	return s, nil
}

// sysSetcpid is the node's half of setcpid signaloneof; the driver
// answers the rest.
func sysSetcpid(n Node, a Args) (any, error) {
	if a.Int(1) != OptSignalOnEOF {
		return nil, &ArgError{Call: "setcpid", N: 2, Name: "field", Msg: "a node sets only signaloneof"}
	}
	return ok(n.SetChildSignal(int(a.Int(0)), a.Int(2)))
}

// bufArgs lays out several arguments; the error names the bad one.
func bufArgs(call string, a Args, from int, table string) ([]*Buf, error) {
	var bufs []*Buf
	for i := from; i < len(a); i++ {
		b, err := NewBuf(a.Value(i), table)
		if err != nil {
			return nil, &ArgError{Call: call, N: i + 1, Name: fmt.Sprintf("arg%d", i+1), Msg: err.Error()}
		}
		bufs = append(bufs, b)
	}
	return bufs, nil
}

func values(bufs []*Buf) []any {
	out := make([]any, len(bufs))
	for i, b := range bufs {
		out[i] = b.Value()
	}
	return out
}

func sysPrctl(_ Node, a Args) (any, error) {
	bufs, err := bufArgs("prctl", a, 1, "prctl")
	if err != nil {
		return nil, err
	}
	var w [4]uintptr
	for i, b := range bufs {
		w[i] = b.Word
	}
	r, err := rawSyscall6("prctl", unix.SYS_PRCTL, uintptr(a.Int(0)), w[0], w[1], w[2], w[3], 0)
	runtime.KeepAlive(bufs)
	if err != nil {
		return nil, err
	}
	return Record{"ret": int64(r), "args": values(bufs)}, nil
}

// rawSyscall6 makes a syscall, retrying EINTR, keeping its name and errno.
func rawSyscall6(name string, nr, a1, a2, a3, a4, a5, a6 uintptr) (uintptr, error) {
	var r uintptr
	err := retry(func() error {
		var e unix.Errno
		r, _, e = unix.Syscall6(nr, a1, a2, a3, a4, a5, a6)
		return errnoErr(e)
	})
	return r, sysErr(name, err)
}

// errnoErr is a raw syscall's errno as an error: nil for 0, so that a
// success is not a non-nil error holding Errno(0).
func errnoErr(e unix.Errno) error {
	if e != 0 {
		return e
	}
	return nil
}

func sysPtrace(_ Node, a Args) (any, error) {
	bufs, err := bufArgs("ptrace", a, 2, "ptrace")
	if err != nil {
		return nil, err
	}
	r, err := rawSyscall6("ptrace", unix.SYS_PTRACE, uintptr(a.Int(0)), uintptr(a.Int(1)), bufs[0].Word, bufs[1].Word, 0, 0)
	runtime.KeepAlive(bufs)
	if err != nil {
		return nil, err
	}
	return Record{"ret": int64(r), "addr": bufs[0].Value(), "data": bufs[1].Value()}, nil
}

func sysIoctl(_ Node, a Args) (any, error) {
	bufs, err := bufArgs("ioctl", a, 2, "ioctl")
	if err != nil {
		return nil, err
	}
	r, err := rawSyscall6("ioctl", unix.SYS_IOCTL, uintptr(a.Int(0)), uintptr(a.Int(1)), bufs[0].Word, 0, 0, 0)
	runtime.KeepAlive(bufs)
	if err != nil {
		return nil, err
	}
	return Record{"ret": int64(r), "arg": bufs[0].Value()}, nil
}

func sysAlloc(_ Node, a Args) (any, error) {
	v := a.Value(0)
	if _, ok := v.([]any); !ok {
		return nil, &ArgError{Call: "alloc", N: 1, Name: "cstruct", Msg: "want a list, got " + TypeName(v)}
	}
	b, err := NewBuf(v, "")
	if err != nil {
		return nil, &ArgError{Call: "alloc", N: 1, Name: "cstruct", Msg: err.Error()}
	}
	return Record{"raw": b.Raw(), "cstruct": b.Value()}, nil
}

func sysSeccomp(_ Node, a Args) (any, error) {
	if a.Int(0) == unix.SECCOMP_SET_MODE_FILTER && a.Int(1)&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 {
		return nil, &ArgError{Call: "seccomp", N: 2, Name: "flags",
			Msg: "seccomp_filter_flag_new_listener is not supported: the call returns no listener fd"}
	}
	prog, err := bpfProg(a.Value(2))
	if err != nil {
		return nil, &ArgError{Call: "seccomp", N: 3, Name: "prog", Msg: err.Error()}
	}
	r, err := rawSyscall6("seccomp", unix.SYS_SECCOMP, uintptr(a.Int(0)), uintptr(a.Int(1)), prog.Word, 0, 0, 0)
	runtime.KeepAlive(prog)
	if err == nil {
		err = tsyncFailed("seccomp", uintptr(a.Int(0)), uintptr(a.Int(1)), r)
	}
	return ok(err)
}

// bpfProg builds a struct sock_fprog from a list of instructions
// {code, jt, jf, k} or the raw sock_filter bytes; ok gives NULL.
func bpfProg(v any) (*Buf, error) {
	var filter []byte
	switch v := v.(type) {
	case nil:
		return &Buf{}, nil
	case string:
		filter = []byte(v)
	case []any:
		var err error
		if filter, err = bpfInstructions(v); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("want a list of {code, jt, jf, k} or bytes, got %s", TypeName(v))
	}
	if len(filter)%8 != 0 || len(filter) == 0 || len(filter)/8 > 0xffff {
		return nil, fmt.Errorf("%d bytes is not a list of 8-byte sock_filter instructions", len(filter))
	}
	n := int64(len(filter) / 8)
	return NewBuf([]any{Record{"u16": n}, Record{"u16": int64(0)}, Record{"u32": int64(0)},
		Record{"ptr": string(filter)}}, "")
}

func bpfInstructions(l []any) ([]byte, error) {
	var b []byte
	for i, e := range l {
		r, ok := e.(Record)
		if !ok {
			return nil, fmt.Errorf("instruction %d: want {code, jt, jf, k}, got %s", i+1, TypeName(e))
		}
		var f [4]int64
		for j, k := range []string{"code", "jt", "jf", "k"} {
			n, err := bpfField(r, k)
			if err != nil {
				return nil, fmt.Errorf("instruction %d: %w", i+1, err)
			}
			f[j] = n
		}
		b = binary.NativeEndian.AppendUint16(b, uint16(f[0]))
		b = append(b, byte(f[1]), byte(f[2]))
		b = binary.NativeEndian.AppendUint32(b, uint32(f[3]))
	}
	return b, nil
}

// bpfField reads one field of an instruction: an int, or a constant of
// the prctl (seccomp_ret_*) or syscall (sys_*, audit_arch_*) tables.
func bpfField(r Record, k string) (int64, error) {
	switch v := r[k].(type) {
	case int64:
		return v, nil
	case nil:
		return 0, nil
	case Const:
		n, _, err := LookupAny([]string{"prctl", "syscall", "seccomp"}, string(v))
		return n, err
	}
	return 0, fmt.Errorf("field %s: want an int or a constant, got %s", k, TypeName(r[k]))
}

func sysConnect(_ Node, a Args) (any, error) {
	sa, err := sockaddr(a.Value(1))
	if err != nil {
		return nil, &ArgError{Call: "connect", N: 2, Name: "sockaddr", Msg: err.Error()}
	}
	_, err = rawSyscall6("connect", unix.SYS_CONNECT, uintptr(a.Int(0)), addr(sa), uintptr(len(sa)), 0, 0, 0)
	runtime.KeepAlive(sa)
	return ok(err)
}

// sockaddr encodes a socket address: raw bytes, ok (NULL), or a record
// {family: af_unix, path} | {family: af_inet, addr, port} | af_inet6.
func sockaddr(v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []byte(v), nil
	case Record:
		return sockaddrRecord(v)
	}
	return nil, fmt.Errorf("want a record {family: …} or bytes, got %s", TypeName(v))
}

func sockaddrRecord(r Record) ([]byte, error) {
	fam, err := familyOf(r["family"])
	if err != nil {
		return nil, err
	}
	b := binary.NativeEndian.AppendUint16(nil, uint16(fam))
	switch fam {
	case unix.AF_UNIX:
		path, _ := r["path"].(string)
		if path == "" || len(path) >= len(unix.RawSockaddrUnix{}.Path) {
			return nil, fmt.Errorf("af_unix: want a path of 1 to 107 bytes")
		}
		if path[0] == '@' { // abstract: a leading NUL, no trailing one
			return append(append(b, 0), path[1:]...), nil
		}
		return append(append(b, path...), 0), nil
	case unix.AF_INET, unix.AF_INET6:
		return inetAddr(b, fam, r)
	}
	return nil, fmt.Errorf("family %d: give the sockaddr as bytes", fam)
}

func familyOf(v any) (int64, error) {
	switch v := v.(type) {
	case int64:
		return v, nil
	case Const:
		return Constant("socket", string(v))
	case string:
		return Constant("socket", v)
	}
	return 0, fmt.Errorf("want a field family (af_unix, af_inet, af_inet6)")
}

func inetAddr(b []byte, fam int64, r Record) ([]byte, error) {
	port, _ := r["port"].(int64)
	s, _ := r["addr"].(string)
	ip, err := parseIP(s, fam == unix.AF_INET6)
	if err != nil {
		return nil, err
	}
	b = binary.BigEndian.AppendUint16(b, uint16(port))
	if fam == unix.AF_INET {
		return append(append(b, ip...), make([]byte, 8)...), nil
	}
	b = append(b, 0, 0, 0, 0) // flowinfo
	return append(append(b, ip...), 0, 0, 0, 0), nil
}

// parseIP parses an IPv4 (4 bytes) or IPv6 (16 bytes) address.
func parseIP(s string, v6 bool) ([]byte, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return nil, fmt.Errorf("addr: %w", err)
	}
	if v6 {
		b := a.As16()
		return b[:], nil
	}
	if !a.Is4() {
		return nil, fmt.Errorf("addr %s is not an IPv4 address", s)
	}
	b := a.As4()
	return b[:], nil
}
