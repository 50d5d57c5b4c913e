package engine_test

import (
	"errors"
	"fmt"
	"github.com/alsh/alsh/engine/internal/testutil"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/builtins"
)

// linkOf is the record link_list gives for an interface.
func linkOf(s *sc, pl []int, name string) builtins.Record {
	s.t.Helper()
	for _, l := range s.call(pl, "link_list").([]any) {
		if r := l.(builtins.Record); r["name"] == name {
			return r
		}
	}
	s.t.Fatalf("%v has no interface %s", pl, name)
	return nil
}

func hasWord(list any, w string) bool {
	for _, e := range list.([]any) {
		if e == w {
			return true
		}
	}
	return false
}

// listen starts busybox nc listening on port (every address) in pl's
// network namespace, as a child of pl; it prints what it receives.
func listen(s *sc, pl []int, port int) []int {
	s.t.Helper()
	l := s.fork(pl)
	s.call(l, "execvp", "/bin/busybox", strList("nc", "-l", "-p", fmt.Sprint(port)))
	return l
}

// send connects from pl's node to addr:port, retrying while the listener
// is not there yet, and writes msg.
func send(s *sc, pl []int, addr string, port int, msg string) {
	s.t.Helper()
	for i := 0; ; i++ {
		fd := s.int(pl, "socket", builtins.Const("af_inet"), consts("sock_stream", "sock_cloexec"))
		_, err := s.e.Call(s.ctx, pl, "connect", []any{fd, builtins.Record{"family": builtins.Const("af_inet"), "addr": addr, "port": int64(port)}})
		if err == nil {
			s.call(pl, "write", fd, msg)
			s.call(pl, "close", fd)
			return
		}
		s.call(pl, "close", fd)
		if !errors.Is(err, unix.ECONNREFUSED) || i == 500 {
			s.t.Fatalf("connect to %s:%d: %v", addr, port, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// In a new network namespace lo is down and 127.0.0.1 unreachable;
// link_up brings it up, link_list shows its flags and addresses, and a
// connection to a listener in the namespace carries bytes.
func TestLoopbackInNewNetns(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	c := s.clone(nil, "clone_newnet")
	lo := linkOf(s, c, "lo")
	if hasWord(lo["flags"], "iff_up") || !hasWord(lo["flags"], "iff_loopback") || len(lo["addrs"].([]any)) != 0 {
		t.Fatalf("lo of a new netns: %s", builtins.Format(lo))
	}
	fd := s.int(c, "socket", builtins.Const("af_inet"), consts("sock_stream", "sock_cloexec"))
	err := s.fails(c, "connect", fd, builtins.Record{"family": builtins.Const("af_inet"), "addr": "127.0.0.1", "port": int64(7777)})
	if !errors.Is(err, unix.ENETUNREACH) {
		t.Fatalf("connect with lo down: %v, want enetunreach", err)
	}
	s.call(c, "close", fd)

	s.call(c, "link_up", "lo")
	lo = linkOf(s, c, "lo")
	if !hasWord(lo["flags"], "iff_up") || !hasWord(lo["addrs"], "127.0.0.1/8") || !hasWord(lo["addrs"], "::1/128") {
		t.Fatalf("lo after link_up: %s", builtins.Format(lo))
	}
	l := listen(s, c, 7777)
	send(s, c, "127.0.0.1", 7777, "over lo\n")
	if out := s.output(l); out != "over lo\n" {
		t.Fatalf("the listener got %q", out)
	}

	s.call(c, "link_down", "lo")
	if lo = linkOf(s, c, "lo"); hasWord(lo["flags"], "iff_up") {
		t.Fatalf("lo after link_down: %s", builtins.Format(lo))
	}
	// the host's lo is untouched
	if host := linkOf(s, nil, "lo"); !hasWord(host["flags"], "iff_up") {
		t.Fatalf("the host's lo went down: %s", builtins.Format(host))
	}
}

// A veth pair between two namespaces the test makes: one end moved into
// the other namespace, addresses on both, a connection across.
func TestVethBetweenNamespaces(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	a, b := s.clone(nil, "clone_newnet"), s.clone(nil, "clone_newnet")
	s.call(a, "veth_add", "alsh-a", "alsh-b")
	s.call(a, "link_netns", "alsh-b", int64(leafPid(b)))
	if ls := builtins.Format(s.call(a, "link_list")); strings.Contains(ls, "alsh-b") {
		t.Fatalf("alsh-b still in a's namespace: %s", ls)
	}
	s.call(a, "addr_add", "alsh-a", "10.200.0.1/24")
	s.call(b, "addr_add", "alsh-b", "10.200.0.2/24")
	s.call(a, "link_up", "alsh-a")
	s.call(b, "link_up", "alsh-b")
	if r := linkOf(s, b, "alsh-b"); !hasWord(r["addrs"], "10.200.0.2/24") || !hasWord(r["flags"], "iff_up") {
		t.Fatalf("alsh-b in b: %s", builtins.Format(r))
	}
	l := listen(s, b, 7778)
	send(s, a, "10.200.0.2", 7778, "across the veth\n")
	if out := s.output(l); out != "across the veth\n" {
		t.Fatalf("the listener in b got %q", out)
	}
}

// Bad interface names and addresses name the word; an unknown interface
// lists those there are and suggests the nearest.
func TestNetworkBadInput(t *testing.T) {
	testutil.RequirePrivileged(t)
	s := startSC(t)
	c := s.clone(nil, "clone_newnet")
	for _, tc := range []struct {
		call string
		args []any
		want string
	}{
		{"link_up", []any{"lo0"}, `no interface "lo0" in this network namespace (it has lo) (did you mean lo?)`},
		{"addr_add", []any{"lo", "10.0.0.1"}, "argument 2 (address)"},
		{"veth_add", []any{"a-name-far-too-long", "b"}, "argument 1 (name): bad interface name"},
		{"veth_add", []any{"a", "b/c"}, "argument 2 (peer): bad interface name"},
	} {
		if err := s.fails(c, tc.call, tc.args...); !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: %v, want %q", tc.call, builtins.Format(tc.args), err, tc.want)
		}
	}
	s.call(c, "addr_add", "lo", "10.9.9.9/32")
	if err := s.fails(c, "addr_add", "lo", "10.9.9.9/32"); !errors.Is(err, unix.EEXIST) {
		t.Errorf("adding an address twice: %v, want eexist", err)
	}
}
