package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
)

// The few fields of an ELF file and of its Go build information that
// alsh needs (a binary's machine, its interpreter, the modules it holds),
// read here rather than with debug/elf and debug/buildinfo: those
// packages linked compress/zlib, compress/flate, internal/zstd,
// debug/dwarf, debug/macho, debug/pe and others into the binary, whose
// initialisers ran in every start of it, every node's included.

// ELF constants (the ELF specification; debug/elf names them alike).
const (
	elfClass32    = 1
	elfClass64    = 2
	elfData2LSB   = 1
	elfData2MSB   = 2
	elfTypeExec   = 2
	elfTypeDyn    = 3
	elfProgLoad   = 1
	elfProgInterp = 3
	elfProgFlagX  = 0x1
	elfProgFlagW  = 0x2
	elfSectNoBits = 8
	elfMaxEntries = 1 << 16 // program or section headers: more is a corrupt file
)

var errNotELF = errors.New("not an ELF file")

// elfFile is an ELF file's header, as far as alsh reads it.
type elfFile struct {
	r       io.ReaderAt
	class   byte
	order   binary.ByteOrder
	typ     uint16
	machine uint16
	phoff   uint64
	phnum   int
	phsize  int
	shoff   uint64
	shnum   int
	shsize  int
	shstrx  int
}

// elfProg is a program header: a segment.
type elfProg struct {
	typ, flags         uint32
	off, vaddr, filesz uint64
}

// elfSection is a section header.
type elfSection struct {
	name            string
	typ             uint32
	addr, off, size uint64
}

// readELF reads the header of the ELF file r.
func readELF(r io.ReaderAt) (*elfFile, error) {
	var h [64]byte
	n, err := r.ReadAt(h[:], 0)
	if n < 52 || string(h[:4]) != "\x7fELF" {
		if err != nil && err != io.EOF {
			return nil, err
		}
		return nil, errNotELF
	}
	f := &elfFile{r: r, class: h[4]}
	switch h[5] {
	case elfData2LSB:
		f.order = binary.LittleEndian
	case elfData2MSB:
		f.order = binary.BigEndian
	default:
		return nil, fmt.Errorf("ELF data encoding %d unknown", h[5])
	}
	if h[6] != 1 {
		return nil, fmt.Errorf("ELF version %d unknown", h[6])
	}
	o := f.order
	f.typ, f.machine = o.Uint16(h[16:]), o.Uint16(h[18:])
	switch f.class {
	case elfClass32:
		f.phoff, f.shoff = uint64(o.Uint32(h[28:])), uint64(o.Uint32(h[32:]))
		f.setCounts(h[42:])
		return f, f.checkEntrySizes(32, 40)
	case elfClass64:
		if n < 64 {
			return nil, errNotELF
		}
		f.phoff, f.shoff = o.Uint64(h[32:]), o.Uint64(h[40:])
		f.setCounts(h[54:])
		return f, f.checkEntrySizes(56, 64)
	}
	return nil, fmt.Errorf("ELF class %d unknown", f.class)
}

// setCounts reads e_phentsize to e_shstrndx, laid out alike in both classes.
func (f *elfFile) setCounts(b []byte) {
	o := f.order
	f.phsize, f.phnum = int(o.Uint16(b)), int(o.Uint16(b[2:]))
	f.shsize, f.shnum = int(o.Uint16(b[4:])), int(o.Uint16(b[6:]))
	f.shstrx = int(o.Uint16(b[8:]))
}

// checkEntrySizes refuses header tables whose entries are smaller than
// the class's program and section headers.
func (f *elfFile) checkEntrySizes(prog, sect int) error {
	if f.phnum > 0 && f.phsize < prog {
		return fmt.Errorf("ELF program header size %d, not %d", f.phsize, prog)
	}
	if f.shnum > 0 && f.shsize < sect {
		return fmt.Errorf("ELF section header size %d, not %d", f.shsize, sect)
	}
	return nil
}

// table reads n entries of size bytes each at off.
func (f *elfFile) table(off uint64, n, size int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if n >= elfMaxEntries || off > 1<<62 {
		return nil, errors.New("ELF header table out of range")
	}
	b := make([]byte, n*size)
	if _, err := f.r.ReadAt(b, int64(off)); err != nil {
		return nil, fmt.Errorf("reading ELF headers: %w", err)
	}
	return b, nil
}

// progs reads the program headers.
func (f *elfFile) progs() ([]elfProg, error) {
	b, err := f.table(f.phoff, f.phnum, f.phsize)
	if err != nil {
		return nil, err
	}
	ps := make([]elfProg, f.phnum)
	o := f.order
	for i := range ps {
		e := b[i*f.phsize:]
		p := &ps[i]
		p.typ = o.Uint32(e)
		if f.class == elfClass32 {
			p.off, p.vaddr = uint64(o.Uint32(e[4:])), uint64(o.Uint32(e[8:]))
			p.filesz, p.flags = uint64(o.Uint32(e[16:])), o.Uint32(e[24:])
		} else {
			p.flags, p.off, p.vaddr = o.Uint32(e[4:]), o.Uint64(e[8:]), o.Uint64(e[16:])
			p.filesz = o.Uint64(e[32:])
		}
	}
	return ps, nil
}

// sections reads the section headers and their names. A file whose
// names cannot be found has sections without names.
func (f *elfFile) sections() ([]elfSection, error) {
	b, err := f.table(f.shoff, f.shnum, f.shsize)
	if err != nil {
		return nil, err
	}
	ss := make([]elfSection, f.shnum)
	nameOffs := make([]uint32, f.shnum)
	o := f.order
	for i := range ss {
		e := b[i*f.shsize:]
		s := &ss[i]
		nameOffs[i], s.typ = o.Uint32(e), o.Uint32(e[4:])
		if f.class == elfClass32 {
			s.addr, s.off, s.size = uint64(o.Uint32(e[12:])), uint64(o.Uint32(e[16:])), uint64(o.Uint32(e[20:]))
		} else {
			s.addr, s.off, s.size = o.Uint64(e[16:]), o.Uint64(e[24:]), o.Uint64(e[32:])
		}
	}
	if f.shstrx <= 0 || f.shstrx >= len(ss) {
		return ss, nil
	}
	names, err := f.read(ss[f.shstrx].off, ss[f.shstrx].size)
	if err != nil {
		return nil, err
	}
	for i := range ss {
		if off := int(nameOffs[i]); off < len(names) {
			if end := bytes.IndexByte(names[off:], 0); end >= 0 {
				ss[i].name = string(names[off : off+end])
			}
		}
	}
	return ss, nil
}

// read reads size bytes at off, refusing sizes no file alsh reads has.
func (f *elfFile) read(off, size uint64) ([]byte, error) {
	if size > 1<<30 || off > 1<<62 {
		return nil, errors.New("ELF section or segment out of range")
	}
	b := make([]byte, size)
	if _, err := f.r.ReadAt(b, int64(off)); err != nil {
		return nil, fmt.Errorf("reading ELF contents: %w", err)
	}
	return b, nil
}

// interpreter is the path PT_INTERP names, or "" for a static executable.
func (f *elfFile) interpreter() (string, error) {
	ps, err := f.progs()
	if err != nil {
		return "", err
	}
	for _, p := range ps {
		if p.typ != elfProgInterp {
			continue
		}
		b, err := f.read(p.off, p.filesz)
		if err != nil {
			return "", err
		}
		return string(bytes.TrimSuffix(b, []byte{0})), nil
	}
	return "", nil
}

// elfTypeName names an ELF file type as debug/elf does.
func elfTypeName(t uint16) string {
	switch t {
	case 0:
		return "ET_NONE"
	case 1:
		return "ET_REL"
	case elfTypeExec:
		return "ET_EXEC"
	case elfTypeDyn:
		return "ET_DYN"
	case 4:
		return "ET_CORE"
	}
	return "ELF type " + strconv.Itoa(int(t))
}

// The Go build information blob (cmd/link's buildinfo, read as
// debug/buildinfo does for the inline layout of Go 1.18 and later):
// 16-byte aligned, a 32-byte header starting with its magic, then the
// Go version and the module information as varint-prefixed strings.
const (
	buildInfoMagic      = "\xff Go buildinf:"
	buildInfoAlign      = 16
	buildInfoHeaderSize = 32
	buildInfoInline     = 0x2 // the header's flags: strings inline
	buildInfoChunk      = 1 << 20
)

var errNoBuildInfo = errors.New("not a Go executable")

// goBuildInfo reads the Go build information of the ELF file.
func (f *elfFile) goBuildInfo() (*debug.BuildInfo, error) {
	data, err := f.buildInfoData()
	if err != nil {
		return nil, err
	}
	if len(data) < buildInfoHeaderSize || data[15]&buildInfoInline == 0 {
		return nil, errNoBuildInfo
	}
	vers, rest := varintString(data[buildInfoHeaderSize:])
	mod, _ := varintString(rest)
	if vers == "" {
		return nil, errNoBuildInfo
	}
	// The module information sits between two 16-byte sentinels
	// (cmd/go's modload.infoStart and infoEnd).
	if len(mod) >= 33 && mod[len(mod)-17] == '\n' {
		mod = mod[16 : len(mod)-16]
	} else {
		mod = ""
	}
	bi, err := debug.ParseBuildInfo(mod)
	if err != nil {
		return nil, err
	}
	bi.GoVersion = vers
	return bi, nil
}

// varintString splits a varint-prefixed string off b; "" when b is short.
func varintString(b []byte) (string, []byte) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return "", nil
	}
	return string(b[w : w+int(n)]), b[w+int(n):]
}

// buildInfoData is the file from the build information's header to the
// end of the region holding it: the .go.buildinfo section, else (section
// headers stripped) the first writable, not executable, loaded segment.
func (f *elfFile) buildInfoData() ([]byte, error) {
	ss, err := f.sections()
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		if s.name == ".go.buildinfo" && s.typ != elfSectNoBits {
			return f.findBuildInfo(s.addr, s.off, s.size)
		}
	}
	ps, err := f.progs()
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.typ == elfProgLoad && p.flags&(elfProgFlagX|elfProgFlagW) == elfProgFlagW {
			return f.findBuildInfo(p.vaddr, p.off, p.filesz)
		}
	}
	return nil, errNoBuildInfo
}

// findBuildInfo searches the region of size bytes at file offset off
// (address addr) for the magic at an aligned address, a chunk at a time,
// and reads from there to the region's end.
func (f *elfFile) findBuildInfo(addr, off, size uint64) ([]byte, error) {
	skip := (buildInfoAlign - addr%buildInfoAlign) % buildInfoAlign
	for start := skip; start < size; start += buildInfoChunk {
		chunk, err := f.read(off+start, min(buildInfoChunk, size-start))
		if err != nil {
			return nil, err
		}
		for i := 0; i+len(buildInfoMagic) <= len(chunk); i += buildInfoAlign {
			if string(chunk[i:i+len(buildInfoMagic)]) == buildInfoMagic {
				return f.read(off+start+uint64(i), size-start-uint64(i))
			}
		}
	}
	return nil, errNoBuildInfo
}
