package repl

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
)

func out(pl []int, kind, data string) builtins.Message {
	return builtins.Message{Pipeline: pl, Kind: kind, Data: data}
}

// The scrollback replayed on attach is bounded: the last 64 KiB of a
// process's output (stdout and stderr in the order they came), for the
// 64 processes heard from last; events are not kept, and take forgets.
func TestScrollbackIsBounded(t *testing.T) {
	var s scrollback
	pl := []int{7, 8}
	s.record(out(pl, "stdout", "old "))
	s.record(out(pl, "event", "not output"))
	s.record(out(pl, "stderr", strings.Repeat("x", scrollbackBytes)))
	s.record(out(pl, "stdout", "newest"))
	got := string(s.take(pl))
	if len(got) != scrollbackBytes || !strings.HasSuffix(got, "x"+"newest") || strings.Contains(got, "old") {
		t.Fatalf("kept %d bytes ending %q, want the last %d", len(got), got[max(0, len(got)-10):], scrollbackBytes)
	}
	if b := s.take(pl); b != nil {
		t.Fatalf("a second take gave %q: take forgets", b)
	}
	for i := range scrollbackProcs + 1 {
		s.record(out([]int{100 + i}, "stdout", fmt.Sprint("from ", i)))
	}
	if b := s.take([]int{100}); b != nil {
		t.Errorf("the oldest of %d processes is still kept: %q", scrollbackProcs+1, b)
	}
	if b := string(s.take([]int{101})); b != "from 1" {
		t.Errorf("the second oldest: %q, want kept", b)
	}
	if n := len(s.bufs); n != scrollbackProcs-1 {
		t.Errorf("%d processes kept after one take, want %d", n, scrollbackProcs-1)
	}
}
