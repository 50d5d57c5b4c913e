package builtins

import (
	"strings"
	"testing"
)

// On an older ABI, strict mode names what it cannot restrict, and best
// effort leaves exactly that out and reports it.
func TestLandlockDegradesToABI(t *testing.T) {
	arg := Record{"ro": []any{"/usr"}, "connect_tcp": []any{int64(443)}}
	s, err := sandboxArg(arg)
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, err = s.handled(3)
	if err == nil || !strings.Contains(err.Error(), "ioctl_dev (ABI 5)") || !strings.Contains(err.Error(), "connect_tcp (ABI 4)") {
		t.Fatalf("strict on ABI 3: %v", err)
	}
	arg["mode"] = Const("best_effort")
	if s, err = sandboxArg(arg); err != nil {
		t.Fatal(err)
	}
	fs, net, unenforced, err := s.handled(3)
	if err != nil || net != 0 || strings.Join(unenforced, " ") != "ioctl_dev connect_tcp" {
		t.Fatalf("best effort on ABI 3: net %#x, unenforced %v, %v", net, unenforced, err)
	}
	if got := strings.Join(rightNames("landlock_fs", fs), " "); strings.Contains(got, "ioctl_dev") || !strings.Contains(got, "truncate") {
		t.Fatalf("handled on ABI 3: %s", got)
	}
	fs, _, _, _ = s.handled(1)
	if got := strings.Join(rightNames("landlock_fs", fs), " "); strings.Contains(got, "refer") || strings.Contains(got, "truncate") {
		t.Fatalf("handled on ABI 1: %s", got)
	}
}

// Every right of the tables has a known ABI.
func TestLandlockRightsHaveABI(t *testing.T) {
	for _, table := range []string{"landlock_fs", "landlock_net"} {
		for _, n := range ConstantNames(table) {
			if rightABI[n] == 0 {
				t.Errorf("%s: right %s has no ABI in rightABI", table, n)
			}
		}
	}
}
