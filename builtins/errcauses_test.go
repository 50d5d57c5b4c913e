package builtins

import "testing"

// TestErrnoCausesNameRealThings checks that every call with causes is in
// the table, every errno is one the constants know, and every errno a
// cause names has a general meaning for errno NAME.
func TestErrnoCausesNameRealThings(t *testing.T) {
	for call, m := range errCauses() {
		if _, ok := Lookup(call); !ok {
			t.Errorf("causes for %s, which is not a call", call)
		}
		for errno, cause := range m {
			if _, ok := ErrnoByName(errno); !ok {
				t.Errorf("%s: %s is not an errno name", call, errno)
			}
			if _, ok := ErrnoMeaning(errno); !ok {
				t.Errorf("%s: %s has no general meaning", call, errno)
			}
			if cause == "" {
				t.Errorf("%s: %s: empty cause", call, errno)
			}
		}
	}
	for name := range errnoMeaning() {
		if _, ok := ErrnoByName(name); !ok {
			t.Errorf("meaning for %s, which is not an errno name", name)
		}
	}
	for call := range neverFail() {
		if _, ok := Lookup(call); !ok {
			t.Errorf("neverFail lists %s, which is not a call", call)
		}
	}
}

func TestCauseOfSetuidEperm(t *testing.T) {
	c, ok := Cause("setuid", "EPERM")
	if !ok || c == "" {
		t.Fatalf("no cause for setuid eperm")
	}
	list, ok := ErrnoCauses("setuid")
	if !ok || len(list) != 3 || list[0].Errno != "eagain" || list[2].Errno != "eperm" {
		t.Fatalf("ErrnoCauses(setuid) = %v, %v; want eagain, einval, eperm in order", list, ok)
	}
	if _, ok := ErrnoCauses("getpid"); !ok {
		t.Errorf("getpid never fails, and ErrnoCauses should say it knows that")
	}
	if _, ok := ErrnoCauses("nosuchcall"); ok {
		t.Errorf("ErrnoCauses knows a call that does not exist")
	}
}

// TestEveryNodeCallTeaches checks that each call a node performs has its
// errno causes, or is known to fail with no errno: a new call needs its
// rows in errcauses.go.
func TestEveryNodeCallTeaches(t *testing.T) {
	for _, c := range Table {
		if c.Where != OnNode {
			continue
		}
		if _, ok := ErrnoCauses(c.Name); !ok {
			t.Errorf("%s: no errno causes in errcauses.go (and not listed as failing with no errno)", c.Name)
		}
	}
}
