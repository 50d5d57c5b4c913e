package proto

import (
	"bytes"
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/wire"
)

func rawDesc(t *testing.T, name string) *RawDesc {
	t.Helper()
	c, ok := builtins.Lookup(name)
	if !ok {
		t.Fatalf("no call %s", name)
	}
	d, ok := Raw(c.Number())
	if !ok {
		t.Fatalf("%s is not runtime-free", name)
	}
	return d
}

// withBuf points the words' Buf at b, as a node does.
func withBuf(w *Words, b []byte) *Words {
	if len(b) > 0 {
		w.Buf, w.BufN = uintptr(unsafe.Pointer(&b[0])), len(b)
	}
	return w
}

// Encode writes each kind of result exactly as the wire's own encoder
// does (the driver decodes both the same), at the length EncodedLen
// says, and refuses a buffer too small for it.
func TestEncodeAsWire(t *testing.T) {
	uts := make([]byte, unsafe.Sizeof(unix.Utsname{}))
	copy(uts[utsNodename:], "box\x00junk")
	full := make([]byte, unsafe.Sizeof(unix.Utsname{})) // a name of all 65 bytes, no NUL
	copy(full[utsNodename:], bytes.Repeat([]byte{'h'}, utsNodenameLen))
	groups := []uint32{5, 1, 4294967294, 3, 1}
	gbuf := unsafe.Slice((*byte)(unsafe.Pointer(&groups[0])), 4*len(groups))
	data := []byte("a\x00\xffb")
	cases := []struct {
		name string
		w    *Words
		r    uintptr
		want any
	}{
		{"getcwd", withBuf(&Words{}, []byte("/tmp/x\x00")), 7, "/tmp/x"},
		{"getcwd", withBuf(&Words{}, []byte("/\x00")), 2, "/"},
		{"gethostname", withBuf(&Words{}, uts), 0, "box"},
		{"gethostname", withBuf(&Words{}, full), 0, string(bytes.Repeat([]byte{'h'}, utsNodenameLen))},
		{"read", withBuf(&Words{}, data), uintptr(len(data)), string(data)},
		{"read", withBuf(&Words{}, data), 0, ""},
		{"read", &Words{}, 0, ""}, // count 0: no buffer
		{"getgroups", withBuf(&Words{}, gbuf), uintptr(len(groups)),
			[]any{int64(1), int64(1), int64(3), int64(5), int64(4294967294)}},
		{"getgroups", &Words{}, 0, []any{}},
		{"getrlimit", &Words{Lim: [2]uint64{unix.RLIM_INFINITY, 1024}}, 0, builtins.Record{"cur": int64(-1), "max": int64(1024)}},
		{"getresuid", &Words{Ids: [3]uint32{1, 2, 4294967295}}, 0,
			builtins.Record{"real": int64(1), "effective": int64(2), "saved": int64(-1)}},
		{"getresgid", &Words{Ids: [3]uint32{7, 8, 9}}, 0,
			builtins.Record{"real": int64(7), "effective": int64(8), "saved": int64(9)}},
	}
	for _, c := range cases {
		d := rawDesc(t, c.name)
		want, err := wire.EncodeValue(nil, c.want)
		if err != nil {
			t.Fatal(err)
		}
		if n := d.EncodedLen(c.w, c.r); n != len(want) {
			t.Errorf("%s %v: EncodedLen %d, the wire's %d", c.name, c.want, n, len(want))
		}
		if n := d.Encode(c.w, c.r, make([]byte, len(want)-1)); n != -1 {
			t.Errorf("%s %v: Encode into %d bytes gave %d, want -1", c.name, c.want, len(want)-1, n)
		}
		out := make([]byte, len(want)+16)
		n := d.Encode(c.w, c.r, out)
		if n < 0 || !bytes.Equal(out[:n], want) {
			t.Errorf("%s %v: Encode %q, the wire's %q", c.name, c.want, out[:max(n, 0)], want)
		}
	}
}

// A proto-node's read puts its bytes in its reply buffer, where Encode
// writes them: the bytes move over themselves (copy is a memmove).
func TestEncodeInPlace(t *testing.T) {
	d := rawDesc(t, "read")
	out := make([]byte, 64)
	copy(out[5:], "hello")
	n := d.Encode(withBuf(&Words{}, out[5:]), 5, out)
	if want, _ := wire.EncodeValue(nil, "hello"); !bytes.Equal(out[:n], want) {
		t.Fatalf("in place: %q, want %q", out[:n], want)
	}
}

// The plans of the calls with results, made in this test's process, give
// what the kernel gives it through Go.
func TestResultPlansAsKernel(t *testing.T) {
	get := func(name string, w *Words) any {
		t.Helper()
		d := rawDesc(t, name)
		b := make([]byte, max(d.BufSize(w), 1))
		withBuf(w, b)
		r, e := d.Make(w)
		if e != 0 {
			t.Fatalf("%s: %v", name, e)
		}
		out := make([]byte, d.EncodedLen(w, r))
		v, err := wire.DecodeValue(out[:d.Encode(w, r, out)])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	wd, _ := os.Getwd()
	if got := get("getcwd", &Words{}); got != wd {
		t.Errorf("getcwd %v, want %s", got, wd)
	}
	host, _ := os.Hostname()
	if got := get("gethostname", &Words{}); got != host {
		t.Errorf("gethostname %v, want %s", got, host)
	}
	var lim unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &lim)
	want := builtins.Format(builtins.Record{"cur": int64(lim.Cur), "max": int64(lim.Max)})
	if got := builtins.Format(get("getrlimit", &Words{W: [maxRawArgs]uintptr{unix.RLIMIT_NOFILE}, Given: 1})); got != want {
		t.Errorf("getrlimit nofile %s, want %s", got, want)
	}
	kept := &Words{W: [maxRawArgs]uintptr{unix.RLIMIT_AS}, Given: 1}
	kept.SetKept(1<<30, 1<<31)
	if got := builtins.Format(get("getrlimit", kept)); got != "{cur: 1073741824, max: 2147483648}" {
		t.Errorf("getrlimit of a kept limit: %s", got)
	}
	r, e, s := unix.Getresuid()
	want = builtins.Format(builtins.Record{"real": int64(r), "effective": int64(e), "saved": int64(s)})
	if got := builtins.Format(get("getresuid", &Words{})); got != want {
		t.Errorf("getresuid %s, want %s", got, want)
	}
}

// setns leaves a user namespace to the node's Go code (which refuses it),
// named by nstype or found from the fd.
func TestSetnsUserLeftToNode(t *testing.T) {
	d := rawDesc(t, "setns")
	fd, err := unix.Open("/proc/self/ns/user", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skip(err)
	}
	defer unix.Close(fd)
	uts, err := unix.Open("/proc/self/ns/uts", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skip(err)
	}
	defer unix.Close(uts)
	for _, c := range []struct {
		fd, nstype int
		given      int
		accepts    bool
	}{
		{fd, unix.CLONE_NEWUSER, 2, false}, {fd, 0, 2, false}, {fd, 0, 1, false},
		{uts, 0, 1, true}, {uts, unix.CLONE_NEWUTS, 2, true}, {-1, 0, 1, true},
	} {
		w := &Words{W: [maxRawArgs]uintptr{uintptr(c.fd), uintptr(c.nstype)}, Given: c.given}
		if got := d.Accepts(w); got != c.accepts {
			t.Errorf("setns %d %#x (%d given): accepts %v, want %v", c.fd, c.nstype, c.given, got, c.accepts)
		}
	}
}
