package builtins

import (
	"encoding/binary"
	"fmt"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"
)

// The few rtnetlink messages the network calls need, written directly:
// one NETLINK_ROUTE socket per call, opened, used and closed on the
// node's main thread (no library goroutines, no namespace switching).

// rtnl is an open NETLINK_ROUTE socket.
type rtnl struct {
	fd  int
	seq uint32
}

func openRtnl() (*rtnl, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, sysErr("socket netlink_route", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, sysErr("bind netlink_route", err)
	}
	return &rtnl{fd: fd}, nil
}

func (r *rtnl) close() { unix.Close(r.fd) }

// dump sends a dump request and returns every answer message.
func (r *rtnl) dump(typ uint16, body []byte) ([]syscall.NetlinkMessage, error) {
	return r.exchange(typ, unix.NLM_F_DUMP, body)
}

// do sends a request that changes something and waits for its ack.
func (r *rtnl) do(typ, flags uint16, body []byte) error {
	_, err := r.exchange(typ, flags|unix.NLM_F_ACK, body)
	return err
}

func (r *rtnl) exchange(typ, flags uint16, body []byte) ([]syscall.NetlinkMessage, error) {
	r.seq++
	msg := make([]byte, unix.SizeofNlMsghdr, unix.SizeofNlMsghdr+len(body))
	binary.NativeEndian.PutUint32(msg[0:], uint32(unix.SizeofNlMsghdr+len(body)))
	binary.NativeEndian.PutUint16(msg[4:], typ)
	binary.NativeEndian.PutUint16(msg[6:], flags|unix.NLM_F_REQUEST)
	binary.NativeEndian.PutUint32(msg[8:], r.seq)
	msg = append(msg, body...)
	if err := retry(func() error { return unix.Sendto(r.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}) }); err != nil {
		return nil, sysErr("sendto netlink_route", err)
	}
	var out []syscall.NetlinkMessage
	buf := make([]byte, 64<<10)
	for {
		var n int
		err := retry(func() (err error) { n, _, err = unix.Recvfrom(r.fd, buf, 0); return err })
		if err != nil {
			return nil, sysErr("recvfrom netlink_route", err)
		}
		// the messages point into what they were parsed from: a copy,
		// since buf takes the next part of a dump
		msgs, err := syscall.ParseNetlinkMessage(slices.Clone(buf[:n]))
		if err != nil {
			return nil, fmt.Errorf("netlink: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Seq != r.seq {
				continue
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return out, nil
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return nil, fmt.Errorf("netlink: short error message")
				}
				if e := -int32(binary.NativeEndian.Uint32(m.Data)); e != 0 {
					return nil, syscall.Errno(e)
				}
				return out, nil
			}
			out = append(out, m)
		}
	}
}

// ifinfomsg encodes struct ifinfomsg.
func ifinfomsg(index int32, flags, change uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	b[0] = unix.AF_UNSPEC
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	binary.NativeEndian.PutUint32(b[8:], flags)
	binary.NativeEndian.PutUint32(b[12:], change)
	return b
}

// ifaddrmsg encodes struct ifaddrmsg.
func ifaddrmsg(family, prefixlen uint8, index int32) []byte {
	b := make([]byte, unix.SizeofIfAddrmsg)
	b[0], b[1] = family, prefixlen
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	return b
}

// rtattr encodes one attribute, padded to 4 bytes; nested attributes are
// attributes whose data is the encoded children.
func rtattr(typ uint16, data ...[]byte) []byte {
	n := unix.SizeofRtAttr
	for _, d := range data {
		n += len(d)
	}
	b := make([]byte, 4, (n+3)&^3)
	binary.NativeEndian.PutUint16(b[0:], uint16(n))
	binary.NativeEndian.PutUint16(b[2:], typ)
	for _, d := range data {
		b = append(b, d...)
	}
	return append(b, make([]byte, cap(b)-len(b))...)
}

func cstr(s string) []byte { return append([]byte(s), 0) }

func u32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
