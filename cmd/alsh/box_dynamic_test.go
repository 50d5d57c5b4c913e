package main

import (
	"os"
	"strings"
	"testing"
)

// elfInterpreter tells a dynamically linked program (Debian's /bin/true)
// from a static one (busybox-static), so that alsh box can say why a
// cgo build's nodes die in a new root.
func TestElfInterpreter(t *testing.T) {
	if got := elfInterpreter("/bin/true"); !strings.HasPrefix(got, "/lib") || !strings.Contains(got, "ld-linux") {
		t.Errorf("interpreter of /bin/true = %q, want the dynamic loader", got)
	}
	if _, err := os.Stat(busybox); err == nil {
		if got := elfInterpreter(busybox); got != "" {
			t.Errorf("interpreter of the static %s = %q", busybox, got)
		}
	}
	if got := elfInterpreter("/etc/hostname"); got != "" {
		t.Errorf("interpreter of a text file = %q", got)
	}
}
