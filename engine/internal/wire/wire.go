package wire

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/alsh/alsh/builtins"
)

// The wire protocol between the driver and one node. Each node has its own
// SOCK_SEQPACKET control socket, so one packet is one message and there is
// no framing beyond it:
//
//	driver                                  node
//	  |  -- hello ------------------------->  |   (never sent: the node speaks first)
//	  |  <------------------------- ready --  |   body: pid u32
//	  |  -- call id,nr,args --------------->  |   SCM_RIGHTS with fd_recv and pty
//	  |  <---------------------- reply id --  |   body: value; SCM_RIGHTS after fork, fd_send
//	  |  <---------------------- error id --  |   body: errno u32, kind u8, op, path
//	  |  <------------------ event pid,rec --  |   a child's exit, or a signal (pid 0)
//	  |          (EOF)                        |   the node exec'd or exited
//
// Every message starts with an 8-byte header: type u8, flags u8 (a call's:
// FlagCrowded, FlagChained; else zero), 2 bytes (a chained call's
// tolerated errnos, one per byte; else zero), id u32 (little-endian).
// Values are encoded by EncodeValue.
const (
	MsgReady byte = iota + 1
	MsgCall
	MsgReply
	MsgError
	MsgEvent
)

const (
	HeaderLen = 8
	// MaxMsg bounds a control message; larger ones are refused on both sides.
	MaxMsg = 128 << 10
	// MaxDepth bounds the nesting of lists and records in a value.
	MaxDepth = 32
)

// Error kinds in an error reply.
const (
	ErrKindErrno byte = iota
	ErrKindBadArg
	ErrKindUnsupported
	ErrKindFiltered
	// ErrKindSkipped: a chained call that was not made, an earlier call
	// of its batch having failed.
	ErrKindSkipped
)

// FlagCrowded, in a call's flags, says that the driver has more calls
// under way than its CPUs can wait for spinning: the node does not spin
// for its next call after this one, since its CPU is wanted elsewhere (by
// other nodes and their callers).
const FlagCrowded byte = 1

// FlagChained, in a call's flags, makes the call part of a batch (the
// driver sends a batch's calls at once, without waiting for replies): the
// node makes it only if its previous call did not fail, and else replies
// ErrKindSkipped. A failure with one of the errnos in header bytes 2 and
// 3 (0: none) does not count as one: the batch goes on past it.
const FlagChained byte = 2

var ErrMalformed = errors.New("malformed message")

// MarkChained sets FlagChained in the header of call b.
func MarkChained(b []byte) { b[1] |= FlagChained }

// SetTolerated puts in the header of call b the errnos (below 256, or 0)
// whose failure does not end its batch.
func SetTolerated(b []byte, tolerated [2]byte) { b[2], b[3] = tolerated[0], tolerated[1] }

// Chained says whether message b's header has FlagChained.
func Chained(b []byte) bool { return len(b) >= HeaderLen && b[1]&FlagChained != 0 }

// Tolerated is the errnos of call b's header that do not end its batch.
func Tolerated(b []byte) [2]byte {
	if len(b) < HeaderLen {
		return [2]byte{}
	}
	return [2]byte{b[2], b[3]}
}

// BreaksChain says whether a call that failed with errno (0: an error
// that is not an errno) ends its batch, given the errnos it tolerates.
//
//go:nosplit
func BreaksChain(errno uint32, tolerated [2]byte) bool {
	return errno == 0 || errno > 255 || (byte(errno) != tolerated[0] && byte(errno) != tolerated[1])
}

// MarkCrowded sets FlagCrowded in the header of message b.
func MarkCrowded(b []byte) { b[1] |= FlagCrowded }

// Crowded says whether message b's header has FlagCrowded.
func Crowded(b []byte) bool { return len(b) >= HeaderLen && b[1]&FlagCrowded != 0 }

func PutHeader(b []byte, typ byte, id uint32) []byte {
	b = append(b, typ, 0, 0, 0)
	return binary.LittleEndian.AppendUint32(b, id)
}

func ParseHeader(b []byte) (typ byte, id uint32, body []byte, err error) {
	if len(b) < HeaderLen {
		return 0, 0, nil, fmt.Errorf("%w: %d bytes, shorter than a header", ErrMalformed, len(b))
	}
	return b[0], binary.LittleEndian.Uint32(b[4:8]), b[HeaderLen:], nil
}

// Value tags.
const (
	TagNil    = 'n'
	TagInt    = 'i'
	TagString = 's'
	tagConst  = 'c'
	TagList   = 'l'
	TagRecord = 'r'
)

// EncodeValue appends v's encoding to b.
func EncodeValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, TagNil), nil
	case int64:
		return binary.LittleEndian.AppendUint64(append(b, TagInt), uint64(v)), nil
	case int:
		return EncodeValue(b, int64(v))
	case string:
		return appendString(append(b, TagString), v), nil
	case builtins.Const:
		return appendString(append(b, tagConst), string(v)), nil
	case []any:
		b = binary.LittleEndian.AppendUint32(append(b, TagList), uint32(len(v)))
		for _, e := range v {
			var err error
			if b, err = EncodeValue(b, e); err != nil {
				return nil, err
			}
		}
		return b, nil
	case builtins.Record:
		return encodeRecord(b, v)
	}
	return nil, fmt.Errorf("cannot encode a value of type %T", v)
}

func encodeRecord(b []byte, r builtins.Record) ([]byte, error) {
	b = binary.LittleEndian.AppendUint32(append(b, TagRecord), uint32(len(r)))
	for _, k := range r.Keys() {
		b = appendString(b, k)
		var err error
		if b, err = EncodeValue(b, r[k]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// AppendStringRecord appends the record {key: value} as EncodeValue
// encodes it, without making the record (a node's start encodes 130 of
// them: the events of its children's signals).
func AppendStringRecord(b []byte, key, value string) []byte {
	b = binary.LittleEndian.AppendUint32(append(b, TagRecord), 1)
	return appendString(append(appendString(b, key), TagString), value)
}

func appendString(b []byte, s string) []byte {
	return append(binary.LittleEndian.AppendUint32(b, uint32(len(s))), s...)
}

// decoder reads values from a message body, never trusting a length.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
	}
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.fail("need %d bytes, have %d", n, len(d.b))
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if b := d.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (d *decoder) str() string {
	n := d.u32()
	if n > uint32(len(d.b)) {
		d.fail("string of %d bytes, %d left", n, len(d.b))
		return ""
	}
	return string(d.take(int(n)))
}

func (d *decoder) value(depth int) any {
	if depth > MaxDepth {
		d.fail("values nested deeper than %d", MaxDepth)
		return nil
	}
	tag := d.take(1)
	if tag == nil {
		return nil
	}
	switch tag[0] {
	case TagNil:
		return nil
	case TagInt:
		if b := d.take(8); b != nil {
			return int64(binary.LittleEndian.Uint64(b))
		}
		return nil
	case TagString:
		return d.str()
	case tagConst:
		return builtins.Const(d.str())
	case TagList:
		return d.list(depth)
	case TagRecord:
		return d.record(depth)
	}
	d.fail("unknown value tag %q", tag[0])
	return nil
}

func (d *decoder) list(depth int) any {
	n := d.u32()
	if n > uint32(len(d.b)) { // every element takes at least one byte
		d.fail("list of %d elements, %d bytes left", n, len(d.b))
		return nil
	}
	l := make([]any, 0, n)
	for i := uint32(0); i < n && d.err == nil; i++ {
		l = append(l, d.value(depth+1))
	}
	return l
}

func (d *decoder) record(depth int) any {
	n := d.u32()
	if n > uint32(len(d.b)) {
		d.fail("record of %d fields, %d bytes left", n, len(d.b))
		return nil
	}
	r := make(builtins.Record, n)
	for i := uint32(0); i < n && d.err == nil; i++ {
		k := d.str()
		r[k] = d.value(depth + 1)
	}
	return r
}

// DecodeValue decodes exactly one value filling b.
func DecodeValue(b []byte) (any, error) {
	d := decoder{b: b}
	v := d.value(0)
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d bytes after the value", len(d.b))
	}
	return v, d.err
}

// EncodeCall appends a call message: header, call number u16, then the argument list,
// appended to b.
func EncodeCall(b []byte, id uint32, nr int, args []any) ([]byte, error) {
	b = PutHeader(b, MsgCall, id)
	b = binary.LittleEndian.AppendUint16(b, uint16(nr))
	b, err := EncodeValue(b, args)
	if err == nil && len(b) > MaxMsg {
		err = fmt.Errorf("call of %d bytes is larger than %d", len(b), MaxMsg)
	}
	return b, err
}

// DecodeCall reads a call message's body (after the header).
func DecodeCall(body []byte) (nr int, args []any, err error) {
	d := decoder{b: body}
	nr = int(d.u16())
	v := d.value(0)
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d bytes after the arguments", len(d.b))
	}
	if d.err != nil {
		return 0, nil, d.err
	}
	args, ok := v.([]any)
	if !ok {
		return 0, nil, fmt.Errorf("%w: arguments are a %T, not a list", ErrMalformed, v)
	}
	return nr, args, nil
}

// Error is an error as it crosses the socket: flat, with the errno kept.
type Error struct {
	Errno uint32
	Kind  byte
	Op    string
	Path  string
}

func EncodeError(id uint32, e Error) []byte {
	b := PutHeader(make([]byte, 0, 32+len(e.Op)+len(e.Path)), MsgError, id)
	b = binary.LittleEndian.AppendUint32(b, e.Errno)
	b = append(b, e.Kind)
	b = appendString(b, e.Op)
	return appendString(b, e.Path)
}

func DecodeError(body []byte) (Error, error) {
	d := decoder{b: body}
	var e Error
	e.Errno = d.u32()
	if k := d.take(1); k != nil {
		e.Kind = k[0]
	}
	e.Op = d.str()
	e.Path = d.str()
	return e, d.err
}

// BellRing adds one to an eventfd. The proto-node reads it too: it never
// changes.
var BellRing = [8]byte{1}
