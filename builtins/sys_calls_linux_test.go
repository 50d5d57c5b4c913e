package builtins

import (
	"encoding/binary"
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// rawStatus rebuilds what wait4 returns from waitid's si_code and
// si_status; unix.WaitStatus (the kernel's encoding) decodes it back.
func TestRawStatus(t *testing.T) {
	for _, tc := range []struct {
		code, status int32
		want         string
	}{
		{cldExited, 3, "{exit_status: 3, pid: 9, status: 768}"},
		{cldKilled, int32(unix.SIGKILL), "{pid: 9, status: 9, termsig: \"sigkill\"}"},
		{cldDumped, int32(unix.SIGSEGV), "{pid: 9, status: 139, termsig: \"sigsegv\"}"},
		{cldStopped, int32(unix.SIGSTOP), "{pid: 9, status: 4991, stopsig: \"sigstop\"}"},
		{cldTrapped, int32(unix.SIGTRAP), "{pid: 9, status: 1407, stopsig: \"sigtrap\"}"},
		{cldContinued, int32(unix.SIGCONT), "{continued: 1, pid: 9, status: 65535}"},
	} {
		if got := Format(waitRecord(9, rawStatus(tc.code, tc.status))); got != tc.want {
			t.Errorf("code %d status %d: %s, want %s", tc.code, tc.status, got, tc.want)
		}
	}
	if got := Format(waitRecord(0, 0)); got != "{pid: 0, status: 0}" {
		t.Errorf("nothing pending: %s", got)
	}
}

func TestWaitTarget(t *testing.T) {
	for pid, want := range map[int][2]int{-1: {unix.P_ALL, 0}, 0: {unix.P_PGID, 0},
		-42: {unix.P_PGID, 42}, 42: {unix.P_PID, 42}} {
		if it, id := waitTarget(pid); it != want[0] || id != want[1] {
			t.Errorf("waitTarget(%d) = %d %d, want %v", pid, it, id, want)
		}
	}
}

// dirent64 builds one linux_dirent64 record, padded to 8 bytes.
func dirent64(name string) []byte {
	reclen := (19 + len(name) + 1 + 7) &^ 7
	b := make([]byte, reclen)
	binary.NativeEndian.PutUint64(b[0:], 1)
	binary.NativeEndian.PutUint16(b[16:], uint16(reclen))
	copy(b[19:], name)
	return b
}

func TestParseDirents(t *testing.T) {
	var buf []byte
	for _, n := range []string{".", "..", "a", "a-longer-name"} {
		buf = append(buf, dirent64(n)...)
	}
	got := parseDirents(append(buf, 1, 2, 3), nil) // a torn tail is ignored
	if Format(got) != `["." ".." "a" "a-longer-name"]` {
		t.Fatalf("parseDirents = %s", Format(got))
	}
}

func TestSelectTimeout(t *testing.T) {
	for _, v := range []any{nil, []any{}} {
		if tv, err := selectTimeout(Args{nil, nil, nil, v}); tv != nil || err != nil {
			t.Errorf("timeout %s: %v %v, want block", Format(v), tv, err)
		}
	}
	tv, err := selectTimeout(Args{nil, nil, nil, Record{"sec": int64(2), "usec": int64(5)}})
	if err != nil || tv.Sec != 2 || tv.Usec != 5 {
		t.Errorf("timeout {2, 5}: %v %v", tv, err)
	}
	for _, v := range []any{int64(1), Record{"sec": int64(1)}, Record{"sec": "1", "usec": int64(0)}} {
		var ae *ArgError
		if _, err := selectTimeout(Args{nil, nil, nil, v}); !errors.As(err, &ae) || ae.N != 4 {
			t.Errorf("timeout %s: %v, want an error about argument 4", Format(v), err)
		}
	}
}

func TestCheckEnvName(t *testing.T) {
	for name, bad := range map[string]bool{"PATH": false, "": true, "A=B": true, "A\x00": true} {
		if err := checkEnvName("setenv", name); (err != nil) != bad || (bad && !errors.Is(err, unix.EINVAL)) {
			t.Errorf("checkEnvName(%q) = %v", name, err)
		}
	}
}

// Every fd call keeps the errno of a bad fd.
func TestFdCallsKeepErrno(t *testing.T) {
	for _, tc := range []struct {
		f    Impl
		args Args
	}{
		{sysFcntl, Args{int64(-1), int64(unix.F_GETLK)}},
	} {
		if _, err := tc.f(nil, tc.args); !errors.Is(err, unix.EBADF) {
			t.Errorf("%v: %v, want ebadf", tc.args, err)
		}
	}
}
