package builtins

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// Buffers and pointers: alcove's cstruct in alsh's values. An argument
// that the kernel reads or writes through a pointer is one of
//
//	int or constant       passed as is
//	ok                    0 (NULL)
//	string                a pointer to a copy of the bytes
//	list (a cstruct)      a pointer to its elements laid out in order:
//	    string              bytes, inline
//	    int                 a native word
//	    {u8|u16|u32|u64: N} an int of that size, native byte order
//	    {ptr: N}            a pointer to N zeroed bytes (0 is NULL)
//	    {ptr: "bytes"}      a pointer to a copy of the bytes
//	record alone          a pointer to what it describes: {ptr: 16} is 16
//	                      zeroed bytes, {u32: 0} four bytes
//
// After the call, Value reads the memory back in the same shape, so the
// caller sees what the kernel wrote.

// maxCstruct bounds a cstruct's size (buffer and pointed-to bytes).
const maxCstruct = 1 << 20

const wordSize = int(unsafe.Sizeof(uintptr(0)))

// Buf is an argument ready for a syscall: Word is what the register
// holds; mem, when set, is the memory Word points to, kept alive (and
// read back) by the Buf.
type Buf struct {
	Word  uintptr
	shape any // the value as given, nil for plain ints
	mem   []byte
	parts []part
	keep  [][]byte
}

// part is one element of a laid-out cstruct.
type part struct {
	kind string // "bytes", "word", "u8".."u64", "ptr"
	off  int
	size int
	ptr  []byte // the pointed-to buffer of a ptr
}

// NewBuf lays v out for a syscall. table resolves constants.
func NewBuf(v any, table string) (*Buf, error) {
	switch v := v.(type) {
	case nil:
		return &Buf{}, nil
	case int64:
		return &Buf{Word: uintptr(v)}, nil
	case Const:
		n, err := Constant(table, string(v))
		return &Buf{Word: uintptr(n)}, err
	case string:
		a := &Buf{shape: v, mem: []byte(v)}
		a.Word = addr(a.mem)
		return a, nil
	case []any:
		return newCstruct(v, v)
	case Record:
		return newRecordArg(v)
	}
	return nil, fmt.Errorf("want an int, a string, a list or a record, got %s", TypeName(v))
}

func newRecordArg(r Record) (*Buf, error) {
	if p, ok := r["ptr"]; ok && len(r) == 1 {
		b, err := ptrBytes(p)
		if err != nil {
			return nil, err
		}
		a := &Buf{shape: r, mem: b}
		a.Word = addr(b)
		return a, nil
	}
	return newCstruct([]any{r}, r)
}

func newCstruct(l []any, shape any) (*Buf, error) {
	if len(l) == 0 {
		return nil, fmt.Errorf("an empty cstruct")
	}
	a := &Buf{shape: shape}
	total := 0
	for i, e := range l {
		p, err := a.layout(e, len(a.mem))
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i+1, err)
		}
		total += p.size + len(p.ptr)
		if total > maxCstruct {
			return nil, fmt.Errorf("cstruct larger than %d bytes", maxCstruct)
		}
		a.parts = append(a.parts, p)
	}
	a.Word = addr(a.mem)
	return a, nil
}

// intSize is the size of a record's integer field of kind k (u8 to u64).
// A switch, not a map: the package's map literals were built at every
// start of the binary, every node's included.
func intSize(k string) (int, bool) {
	switch k {
	case "u8":
		return 1, true
	case "u16":
		return 2, true
	case "u32":
		return 4, true
	case "u64":
		return 8, true
	}
	return 0, false
}

// layout appends one element to a.mem.
func (a *Buf) layout(e any, off int) (part, error) {
	switch e := e.(type) {
	case string:
		a.mem = append(a.mem, e...)
		return part{kind: "bytes", off: off, size: len(e)}, nil
	case int64:
		a.mem = appendUint(a.mem, uint64(e), wordSize)
		return part{kind: "word", off: off, size: wordSize}, nil
	case Record:
		return a.layoutRecord(e, off)
	}
	return part{}, fmt.Errorf("want a string, an int or a record, got %s", TypeName(e))
}

func (a *Buf) layoutRecord(r Record, off int) (part, error) {
	if len(r) != 1 {
		return part{}, fmt.Errorf("want one field (ptr, u8, u16, u32 or u64), got %s", Format(r))
	}
	k := r.Keys()[0]
	if k == "ptr" {
		b, err := ptrBytes(r[k])
		if err != nil {
			return part{}, err
		}
		a.keep = append(a.keep, b)
		a.mem = appendUint(a.mem, uint64(addr(b)), wordSize)
		return part{kind: "ptr", off: off, size: wordSize, ptr: b}, nil
	}
	size, ok := intSize(k)
	n, isInt := r[k].(int64)
	if !ok || !isInt {
		return part{}, fmt.Errorf("want {ptr: …} or {u8|u16|u32|u64: int}, got %s", Format(r))
	}
	a.mem = appendUint(a.mem, uint64(n), size)
	return part{kind: k, off: off, size: size}, nil
}

// ptrBytes is the buffer a ptr field points to: N zeroed bytes or a copy.
func ptrBytes(v any) ([]byte, error) {
	switch v := v.(type) {
	case int64:
		if v < 0 || v > maxCstruct {
			return nil, fmt.Errorf("ptr size %d out of range", v)
		}
		return make([]byte, v), nil
	case string:
		return []byte(v), nil
	}
	return nil, fmt.Errorf("ptr: want a size or a string, got %s", TypeName(v))
}

func appendUint(b []byte, v uint64, size int) []byte {
	switch size {
	case 1:
		return append(b, byte(v))
	case 2:
		return binary.NativeEndian.AppendUint16(b, uint16(v))
	case 4:
		return binary.NativeEndian.AppendUint32(b, uint32(v))
	}
	return binary.NativeEndian.AppendUint64(b, v)
}

func readUint(b []byte, size int) int64 {
	switch size {
	case 1:
		return int64(b[0])
	case 2:
		return int64(binary.NativeEndian.Uint16(b))
	case 4:
		return int64(binary.NativeEndian.Uint32(b))
	}
	return int64(binary.NativeEndian.Uint64(b))
}

// addr is the address of b's first byte, 0 for an empty b.
func addr(b []byte) uintptr {
	if len(b) == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(&b[0]))
}

// Raw is the laid-out memory as bytes (pointers as addresses).
func (a *Buf) Raw() string { return string(a.mem) }

// Value reads the argument back in the shape it was given: ints as the
// word, strings and cstructs as the memory holds them now.
func (a *Buf) Value() any {
	switch s := a.shape.(type) {
	case nil:
		return int64(a.Word)
	case string:
		return string(a.mem)
	case Record:
		if _, ok := s["ptr"]; ok && len(s) == 1 {
			return ptrValue(a.mem)
		}
		return a.readPart(a.parts[0])
	}
	out := make([]any, len(a.parts))
	for i, p := range a.parts {
		out[i] = a.readPart(p)
	}
	return out
}

func (a *Buf) readPart(p part) any {
	b := a.mem[p.off : p.off+p.size]
	switch p.kind {
	case "bytes":
		return string(b)
	case "word":
		return readUint(b, wordSize)
	case "ptr":
		return ptrValue(p.ptr)
	}
	return Record{p.kind: readUint(b, p.size)}
}

func ptrValue(b []byte) Record {
	if len(b) == 0 {
		return Record{"ptr": int64(0)}
	}
	return Record{"ptr": string(b)}
}
