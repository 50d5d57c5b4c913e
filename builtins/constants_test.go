package builtins

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// u64 stores an x/sys constant above MaxInt64 the way the tables do.
func u64(v uint64) int64 { return int64(v) }

// oracle pairs table entries with the x/sys constant they must equal.
var oracle = []struct {
	table, name string
	want        int64
}{
	{"clone", "clone_newns", unix.CLONE_NEWNS},
	{"clone", "clone_newcgroup", unix.CLONE_NEWCGROUP},
	{"clone", "clone_newuts", unix.CLONE_NEWUTS},
	{"clone", "clone_newipc", unix.CLONE_NEWIPC},
	{"clone", "clone_newuser", unix.CLONE_NEWUSER},
	{"clone", "clone_newpid", unix.CLONE_NEWPID},
	{"clone", "clone_newnet", unix.CLONE_NEWNET},
	{"clone", "clone_newtime", unix.CLONE_NEWTIME},
	{"clone", "clone_pidfd", unix.CLONE_PIDFD},
	{"fcntl", "f_getfd", unix.F_GETFD},
	{"fcntl", "f_setfd", unix.F_SETFD},
	{"fcntl", "f_getfl", unix.F_GETFL},
	{"fcntl", "f_setfl", unix.F_SETFL},
	{"fcntl", "fd_cloexec", unix.FD_CLOEXEC},
	{"fcntl", "f_setpipe_sz", unix.F_SETPIPE_SZ},
	{"fcntl", "f_getpipe_sz", unix.F_GETPIPE_SZ},
	{"fcntl", "f_dupfd_cloexec", unix.F_DUPFD_CLOEXEC},
	{"file", "o_rdonly", unix.O_RDONLY},
	{"file", "o_wronly", unix.O_WRONLY},
	{"file", "o_rdwr", unix.O_RDWR},
	{"file", "o_creat", unix.O_CREAT},
	{"file", "o_excl", unix.O_EXCL},
	{"file", "o_noctty", unix.O_NOCTTY},
	{"file", "o_trunc", unix.O_TRUNC},
	{"file", "o_append", unix.O_APPEND},
	{"file", "o_nonblock", unix.O_NONBLOCK},
	{"file", "o_dsync", unix.O_DSYNC},
	{"file", "o_direct", unix.O_DIRECT},
	{"file", "o_largefile", unix.O_LARGEFILE},
	{"file", "o_directory", unix.O_DIRECTORY},
	{"file", "o_nofollow", unix.O_NOFOLLOW},
	{"file", "o_noatime", unix.O_NOATIME},
	{"file", "o_cloexec", unix.O_CLOEXEC},
	{"file", "o_sync", unix.O_SYNC},
	{"file", "o_path", unix.O_PATH},
	{"file", "o_ndelay", unix.O_NDELAY},
	{"file", "o_accmode", unix.O_ACCMODE},
	{"file", "o_tmpfile", unix.O_TMPFILE},
	{"file", "s_irusr", unix.S_IRUSR},
	{"file", "s_ifmt", unix.S_IFMT},
	{"mount", "ms_rdonly", unix.MS_RDONLY},
	{"mount", "ms_bind", unix.MS_BIND},
	{"mount", "ms_rec", unix.MS_REC},
	{"mount", "ms_private", unix.MS_PRIVATE},
	{"mount", "ms_remount", unix.MS_REMOUNT},
	{"mount", "mnt_force", unix.MNT_FORCE},
	{"mount", "mnt_detach", unix.MNT_DETACH},
	{"mount", "mnt_expire", unix.MNT_EXPIRE},
	{"mount", "umount_nofollow", unix.UMOUNT_NOFOLLOW},
	{"mount", "rdonly", unix.MS_RDONLY},
	{"mount", "nosuid", unix.MS_NOSUID},
	{"mount", "noexec", unix.MS_NOEXEC},
	{"mount", "noatime", unix.MS_NOATIME},
	{"rlimit", "rlimit_cpu", unix.RLIMIT_CPU},
	{"rlimit", "rlimit_fsize", unix.RLIMIT_FSIZE},
	{"rlimit", "rlimit_data", unix.RLIMIT_DATA},
	{"rlimit", "rlimit_stack", unix.RLIMIT_STACK},
	{"rlimit", "rlimit_core", unix.RLIMIT_CORE},
	{"rlimit", "rlimit_rss", unix.RLIMIT_RSS},
	{"rlimit", "rlimit_nproc", unix.RLIMIT_NPROC},
	{"rlimit", "rlimit_nofile", unix.RLIMIT_NOFILE},
	{"rlimit", "rlimit_memlock", unix.RLIMIT_MEMLOCK},
	{"rlimit", "rlimit_as", unix.RLIMIT_AS},
	{"rlimit", "rlimit_locks", unix.RLIMIT_LOCKS},
	{"rlimit", "rlimit_sigpending", unix.RLIMIT_SIGPENDING},
	{"rlimit", "rlimit_msgqueue", unix.RLIMIT_MSGQUEUE},
	{"rlimit", "rlimit_nice", unix.RLIMIT_NICE},
	{"rlimit", "rlimit_rtprio", unix.RLIMIT_RTPRIO},
	{"rlimit", "rlimit_rttime", unix.RLIMIT_RTTIME},
	{"rlimit", "rlimit_nlimits", unix.RLIMIT_RTTIME + 1},
	{"rlimit", "rlim_infinity", u64(unix.RLIM_INFINITY)},
	{"signal", "sighup", int64(unix.SIGHUP)},
	{"signal", "sigabrt", int64(unix.SIGABRT)},
	{"signal", "sigiot", int64(unix.SIGIOT)},
	{"signal", "sigpoll", int64(unix.SIGPOLL)},
	{"signal", "sigpwr", int64(unix.SIGPWR)},
	{"signal", "sigstkflt", int64(unix.SIGSTKFLT)},
	{"signal", "sigchld", int64(unix.SIGCHLD)},
	{"signal", "sigterm", int64(unix.SIGTERM)},
	{"signal", "sigsys", int64(unix.SIGSYS)},
	{"prio", "prio_process", unix.PRIO_PROCESS},
	{"prio", "prio_pgrp", unix.PRIO_PGRP},
	{"prio", "prio_user", unix.PRIO_USER},
	{"socket", "af_inet", unix.AF_INET},
	{"socket", "pf_inet6", unix.PF_INET6},
	{"socket", "af_unix", unix.AF_UNIX},
	{"socket", "pf_netlink", unix.PF_NETLINK},
	{"socket", "sock_stream", unix.SOCK_STREAM},
	{"socket", "sock_cloexec", unix.SOCK_CLOEXEC},
	{"socket", "sock_nonblock", unix.SOCK_NONBLOCK},
	{"wait", "wnohang", unix.WNOHANG},
	{"wait", "wuntraced", unix.WUNTRACED},
	{"wait", "wcontinued", unix.WCONTINUED},
	{"wait", "wexited", unix.WEXITED},
	{"wait", "wstopped", unix.WSTOPPED},
	{"wait", "wnowait", unix.WNOWAIT},
	{"wait", "p_pid", unix.P_PID},
	{"wait", "p_pgid", unix.P_PGID},
	{"wait", "p_all", unix.P_ALL},
	{"wait", "__wall", unix.WALL},
	{"wait", "__wclone", unix.WCLONE},
	{"ioctl", "tunsetiff", unix.TUNSETIFF},
	{"ioctl", "tiocsctty", unix.TIOCSCTTY},
	{"ioctl", "tiocgwinsz", unix.TIOCGWINSZ},
	{"ioctl", "tcgets", unix.TCGETS},
	{"ioctl", "fionread", unix.TIOCINQ},
	{"ioctl", "siocgifflags", unix.SIOCGIFFLAGS},
	{"iff", "iff_tun", unix.IFF_TUN},
	{"iff", "iff_no_pi", unix.IFF_NO_PI},
	{"prctl", "pr_set_no_new_privs", unix.PR_SET_NO_NEW_PRIVS},
	{"prctl", "pr_set_pdeathsig", unix.PR_SET_PDEATHSIG},
	{"prctl", "pr_cap_ambient", unix.PR_CAP_AMBIENT},
	{"prctl", "seccomp_mode_filter", unix.SECCOMP_MODE_FILTER},
	{"prctl", "seccomp_ret_kill_process", unix.SECCOMP_RET_KILL_PROCESS},
	{"ptrace", "ptrace_traceme", unix.PTRACE_TRACEME},
	{"ptrace", "ptrace_seize", unix.PTRACE_SEIZE},
	{"ptrace", "ptrace_event_exec", unix.PTRACE_EVENT_EXEC},
	{"ptrace", "ptrace_o_exitkill", unix.PTRACE_O_EXITKILL},
	{"seccomp", "seccomp_set_mode_strict", unix.SECCOMP_SET_MODE_STRICT},
	{"seccomp", "seccomp_set_mode_filter", unix.SECCOMP_SET_MODE_FILTER},
	{"seccomp", "seccomp_get_action_avail", unix.SECCOMP_GET_ACTION_AVAIL},
	{"seccomp", "seccomp_filter_flag_tsync", unix.SECCOMP_FILTER_FLAG_TSYNC},
	{"seccomp", "seccomp_ret_errno", unix.SECCOMP_RET_ERRNO},
	{"syscall", "sys_exit", unix.SYS_EXIT},
	{"syscall", "sys_getpid", unix.SYS_GETPID},
	{"syscall", "sys_clone3", unix.SYS_CLONE3},
	{"syscall", "sys_pidfd_open", unix.SYS_PIDFD_OPEN},
	{"syscall", "audit_arch_x86_64", unix.AUDIT_ARCH_X86_64},
	{"syscall", "audit_arch_i386", unix.AUDIT_ARCH_I386},
	{"cap", "cap_sys_admin", unix.CAP_SYS_ADMIN},
	{"cap", "cap_net_admin", unix.CAP_NET_ADMIN},
	{"cap", "cap_chown", unix.CAP_CHOWN},
	{"errno", "eperm", int64(unix.EPERM)},
	{"errno", "eagain", int64(unix.EAGAIN)},
	{"errno", "ewouldblock", int64(unix.EWOULDBLOCK)},
	{"errno", "enotsup", int64(unix.ENOTSUP)},
	{"errno", "eopnotsupp", int64(unix.EOPNOTSUPP)},
	{"option", "maxchild", OptMaxChild},
	{"stdio", "stderr", 2},
}

func TestConstantMatchesXSys(t *testing.T) {
	for _, c := range oracle {
		for _, name := range []string{c.name, strings.ToUpper(c.name)} {
			got, err := Constant(c.table, name)
			if err != nil || got != c.want {
				t.Errorf("Constant(%q, %q) = %#x, %v; want %#x", c.table, name, got, err, c.want)
			}
		}
	}
}

// TestHandAddedConstants checks extraTables against what x/sys does have.
func TestHandAddedConstants(t *testing.T) {
	osync, _ := Constant("file", "__o_sync")
	dsync, _ := Constant("file", "o_dsync")
	if osync|dsync != unix.O_SYNC || osync&dsync != 0 {
		t.Errorf("__o_sync %#x | o_dsync %#x != o_sync %#x", osync, dsync, unix.O_SYNC)
	}
	for _, n := range ConstantNames("rlimit") {
		v, _ := Constant("rlimit", n)
		if n != "rlimit_nlimits" && n != "rlim_infinity" && v >= 16 {
			t.Errorf("%s = %d is not below rlimit_nlimits", n, v)
		}
	}
}

// TestHandAddedIoctls uses the kernel as oracle for the FIO* ioctls x/sys
// lacks: each one's effect is visible through fcntl or the pipe.
func TestHandAddedIoctls(t *testing.T) {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	ioctl := func(name string, arg int) {
		t.Helper()
		req, err := Constant("ioctl", name)
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.IoctlSetPointerInt(p[0], uint(req), arg); err != nil {
			t.Fatalf("ioctl %s: %v", name, err)
		}
	}
	fcntl := func(cmd int) int {
		v, err := unix.FcntlInt(uintptr(p[0]), cmd, 0)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ioctl("fioclex", 0)
	if fcntl(unix.F_GETFD)&unix.FD_CLOEXEC == 0 {
		t.Error("fioclex did not set FD_CLOEXEC")
	}
	ioctl("fionclex", 0)
	if fcntl(unix.F_GETFD)&unix.FD_CLOEXEC != 0 {
		t.Error("fionclex did not clear FD_CLOEXEC")
	}
	ioctl("fionbio", 1)
	if fcntl(unix.F_GETFL)&unix.O_NONBLOCK == 0 {
		t.Error("fionbio did not set O_NONBLOCK")
	}
	if _, err := unix.Write(p[1], []byte("abc")); err != nil {
		t.Fatal(err)
	}
	req, _ := Constant("ioctl", "fionread")
	if n, err := unix.IoctlGetInt(p[0], uint(req)); err != nil || n != 3 {
		t.Errorf("fionread = %d, %v; want 3", n, err)
	}
}

// required lists, per table, alcove's Linux entries (reference §4).
var required = map[string][]string{
	"clone": {"clone_newns", "clone_newcgroup", "clone_newuts", "clone_newipc", "clone_newuser",
		"clone_newpid", "clone_newnet", "clone_newtime"},
	"fcntl": {"f_getfd", "f_setfd", "f_getfl", "f_setfl", "fd_cloexec", "f_setpipe_sz", "f_getpipe_sz"},
	"file": {"o_accmode", "o_rdonly", "o_wronly", "o_rdwr", "o_creat", "o_excl", "o_noctty", "o_trunc",
		"o_append", "o_nonblock", "o_dsync", "o_direct", "o_largefile", "o_directory", "o_nofollow",
		"o_noatime", "o_cloexec", "__o_sync", "o_sync", "o_path", "o_ndelay", "o_tmpfile"},
	"mount": {"ms_rdonly", "ms_nosuid", "ms_nodev", "ms_noexec", "ms_remount", "ms_bind", "ms_move",
		"ms_rec", "ms_private", "ms_slave", "ms_shared", "ms_unbindable", "mnt_force", "mnt_detach",
		"mnt_expire", "umount_nofollow", "rdonly", "nosuid", "noexec", "noatime"},
	"rlimit": {"rlimit_cpu", "rlimit_fsize", "rlimit_data", "rlimit_stack", "rlimit_core", "rlimit_rss",
		"rlimit_nproc", "rlimit_nofile", "rlimit_memlock", "rlimit_as", "rlimit_locks", "rlimit_sigpending",
		"rlimit_msgqueue", "rlimit_nice", "rlimit_rtprio", "rlimit_rttime", "rlimit_nlimits", "rlim_infinity"},
	"signal": {"sighup", "sigint", "sigquit", "sigill", "sigtrap", "sigabrt", "sigiot", "sigbus", "sigfpe",
		"sigkill", "sigusr1", "sigsegv", "sigusr2", "sigpipe", "sigalrm", "sigterm", "sigstkflt", "sigchld",
		"sigcont", "sigstop", "sigtstp", "sigttin", "sigttou", "sigurg", "sigxcpu", "sigxfsz", "sigvtalrm",
		"sigprof", "sigwinch", "sigio", "sigpoll", "sigpwr", "sigsys"},
	"prio": {"prio_process", "prio_pgrp", "prio_user"},
	"socket": {"af_appletalk", "af_atmpvc", "af_ax25", "af_inet", "af_inet6", "af_ipx", "af_local",
		"af_netlink", "af_packet", "af_unix", "af_x25", "pf_appletalk", "pf_atmpvc", "pf_ax25", "pf_inet",
		"pf_inet6", "pf_ipx", "pf_local", "pf_netlink", "pf_packet", "pf_unix", "pf_x25", "sock_cloexec",
		"sock_dgram", "sock_nonblock", "sock_packet", "sock_raw", "sock_rdm", "sock_seqpacket", "sock_stream"},
	"wait":    {"wnohang", "wuntraced", "wcontinued", "wexited", "wstopped", "wnowait", "p_pid", "p_pgid", "p_all"},
	"ioctl":   {"tunsetiff", "tungetiff", "tunsetpersist", "tiocsctty", "tiocnotty", "tcgets", "fioclex", "siocgifindex"},
	"iff":     {"iff_tun", "iff_tap", "iff_no_pi", "iff_up"},
	"prctl":   {"pr_set_name", "pr_get_name", "pr_set_seccomp", "seccomp_mode_strict", "seccomp_ret_allow", "seccomp_filter_flag_tsync"},
	"ptrace":  {"ptrace_traceme", "ptrace_attach", "ptrace_detach", "ptrace_cont", "ptrace_o_tracesysgood", "ptrace_event_fork"},
	"seccomp": {"seccomp_set_mode_strict", "seccomp_set_mode_filter", "seccomp_get_action_avail", "seccomp_filter_flag_tsync", "seccomp_ret_kill_thread"},
	"syscall": {"sys_read", "sys_write", "sys_exit_group", "sys_seccomp", "audit_arch_x86_64", "audit_arch_aarch64"},
	"cap":     {"cap_chown", "cap_sys_admin", "cap_last_cap"},
	"caps":    {"cap_chown", "cap_sys_admin", "cap_checkpoint_restore"},
	"secbit":  {"secbit_noroot", "secbit_keep_caps", "secbit_no_cap_ambient_raise_locked"},
	"landlock_fs": {"execute", "write_file", "read_file", "read_dir", "remove_dir", "remove_file", "make_char", "make_dir",
		"make_reg", "make_sock", "make_fifo", "make_block", "make_sym", "refer", "truncate", "ioctl_dev"},
	"landlock_net": {"bind_tcp", "connect_tcp"},
	"errno":        {"eperm", "enoent", "esrch", "eagain", "enotsup", "ehwpoison"},
	"option":       {"maxchild", "flowcontrol"},
	"stdio":        {"stdin", "stdout", "stderr"},
	"pidfd":        {"pidfd_nonblock", "pidfd_thread"},
	"pidfd_signal": {"pidfd_signal_thread", "pidfd_signal_thread_group", "pidfd_signal_process_group"},
	"fd_pass":      {"fd_inheritable"},
}

func TestRequiredConstants(t *testing.T) {
	for tbl, names := range required {
		for _, n := range names {
			if _, err := Constant(tbl, n); err != nil {
				t.Errorf("Constant(%q, %q): %v", tbl, n, err)
			}
		}
	}
	if got, want := Tables(), slices.Sorted(maps.Keys(required)); !slices.Equal(got, want) {
		t.Errorf("Tables() = %v, want %v", got, want)
	}
}

func TestTablesNonEmptyAndLowercase(t *testing.T) {
	for _, tbl := range Tables() {
		names := ConstantNames(tbl)
		if len(names) == 0 {
			t.Errorf("table %s is empty", tbl)
		}
		if !slices.IsSorted(names) {
			t.Errorf("ConstantNames(%s) is not sorted", tbl)
		}
		for _, n := range names {
			if n != strings.ToLower(n) || n == "" {
				t.Errorf("table %s: name %q is not lowercase", tbl, n)
			}
		}
	}
}

func TestUnknownTable(t *testing.T) {
	if _, err := Constant("nosuchtable", "x"); err == nil {
		t.Error("Constant on an unknown table: no error")
	}
}

func TestUnknownConstant(t *testing.T) {
	tests := []struct {
		table, name, suggest string
	}{
		{"clone", "clone_newpd", "clone_newpid"},
		{"clone", "CLONE_NEWPD", "clone_newpid"},
		{"signal", "sigtrm", "sigterm"},
		{"syscall", "sys_getpdi", "sys_getpid"},
		{"syscall", "sys_pidfd", "sys_pidfd_getfd"},
		{"errno", "eprem", "eperm"},
	}
	for _, tt := range tests {
		_, err := Constant(tt.table, tt.name)
		var uerr *UnknownConstError
		if !errors.As(err, &uerr) {
			t.Fatalf("Constant(%q, %q) error = %v, want *UnknownConstError", tt.table, tt.name, err)
		}
		if uerr.Table != tt.table || uerr.Name != tt.name {
			t.Errorf("error names %s %s, want %s %s", uerr.Table, uerr.Name, tt.table, tt.name)
		}
		if !slices.Contains(uerr.Nearest, tt.suggest) || len(uerr.Nearest) > maxSuggestions {
			t.Errorf("Constant(%q, %q) suggests %v, want %s among at most %d",
				tt.table, tt.name, uerr.Nearest, tt.suggest, maxSuggestions)
		}
		if msg := err.Error(); !strings.Contains(msg, tt.name) || !strings.Contains(msg, tt.suggest) {
			t.Errorf("error %q names neither %s nor %s", msg, tt.name, tt.suggest)
		}
	}
}

func TestUnknownConstantNoSuggestion(t *testing.T) {
	_, err := Constant("prio", "zzzzzzzzzzzz")
	var uerr *UnknownConstError
	if !errors.As(err, &uerr) || len(uerr.Nearest) != 0 {
		t.Errorf("error = %v, want *UnknownConstError with no suggestions", err)
	}
	if strings.Contains(err.Error(), "did you mean") {
		t.Errorf("error %q suggests nothing yet says so", err)
	}
}

func TestConstantName(t *testing.T) {
	tests := []struct {
		table string
		v     int64
		want  string
	}{
		{"signal", 6, "sigabrt"},
		{"signal", 29, "sigio"},
		{"signal", 17, "sigchld"},
		{"signal", 15, "sigterm"},
		{"errno", 11, "eagain"},
		{"errno", 95, "enotsup"},
		{"errno", 35, "edeadlk"},
		{"clone", unix.CLONE_NEWPID, "clone_newpid"},
		{"stdio", 1, "stdout"},
	}
	for _, tt := range tests {
		if got, ok := ConstantName(tt.table, tt.v); !ok || got != tt.want {
			t.Errorf("ConstantName(%q, %d) = %q, %v; want %q", tt.table, tt.v, got, ok, tt.want)
		}
	}
	if n, ok := ConstantName("prio", 99); ok {
		t.Errorf("ConstantName(prio, 99) = %q, want none", n)
	}
}

// TestSignalNamesMatchXSys uses x/sys SignalName as the oracle for the
// preferred name of every signal, and checks signalNames against the table.
func TestSignalNamesMatchXSys(t *testing.T) {
	for sig := 1; sig < 32; sig++ {
		want := strings.ToLower(unix.SignalName(syscall.Signal(sig)))
		if got := SignalName(sig); got != want {
			t.Errorf("SignalName(%d) = %q, want %q", sig, got, want)
		}
	}
	checkReverse(t, "signal", signalNames[:])
	if got := SignalName(64); got != "64" {
		t.Errorf("SignalName(64) = %q, want 64", got)
	}
}

func TestErrnoNamesMatchXSys(t *testing.T) {
	for _, n := range ConstantNames("errno") {
		v, _ := Constant("errno", n)
		e := syscall.Errno(v)
		if want := strings.ToLower(unix.ErrnoName(e)); want != "" && ErrnoName(e) != want {
			t.Errorf("ErrnoName(%d) = %q, want %q", v, ErrnoName(e), want)
		}
	}
	checkReverse(t, "errno", errnoNames[:])
	if got := ErrnoName(syscall.EPERM); got != "eperm" {
		t.Errorf("ErrnoName(EPERM) = %q", got)
	}
	if got := ErrnoName(syscall.Errno(4000)); got != "errno4000" {
		t.Errorf("ErrnoName(4000) = %q", got)
	}
}

// checkReverse checks a table of names by value (nameAt) names exactly
// the table's values, each with a name the table maps back to that value.
func checkReverse(t *testing.T, tbl string, names []string) {
	t.Helper()
	values := map[int64]bool{}
	for _, n := range ConstantNames(tbl) {
		v, _ := Constant(tbl, n)
		values[v] = true
		name, _ := nameAt(names, v)
		back, err := Constant(tbl, name)
		if err != nil || back != v {
			t.Errorf("%s %d: reverse name %q does not map back (%d, %v)", tbl, v, name, back, err)
		}
	}
	size := 0
	for _, n := range names {
		if n != "" {
			size++
		}
	}
	if len(values) != size {
		t.Errorf("%s: %d values, the names by value have %d", tbl, len(values), size)
	}
}

// byNameCase is one lookup of ErrnoByName or SignalByName and its answer.
type byNameCase[T comparable] struct {
	name string
	want T
	ok   bool
}

func checkByName[T comparable](t *testing.T, fn string, lookup func(string) (T, bool), tests []byNameCase[T]) {
	t.Helper()
	for _, tt := range tests {
		if got, ok := lookup(tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("%s(%q) = %v, %v; want %v, %v", fn, tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestErrnoByName(t *testing.T) {
	checkByName(t, "ErrnoByName", ErrnoByName, []byNameCase[syscall.Errno]{
		{"eperm", unix.EPERM, true},
		{"ENOENT", unix.ENOENT, true},
		{"ewouldblock", unix.EAGAIN, true},
		{"eopnotsupp", unix.ENOTSUP, true},
		{"eperms", 0, false},
		{"", 0, false},
	})
}

func TestSignalByName(t *testing.T) {
	checkByName(t, "SignalByName", SignalByName, []byNameCase[int]{
		{"sigterm", int(unix.SIGTERM), true},
		{"SIGTERM", int(unix.SIGTERM), true},
		{"term", int(unix.SIGTERM), true},
		{"Kill", int(unix.SIGKILL), true},
		{"iot", int(unix.SIGABRT), true},
		{"sys", int(unix.SIGSYS), true},
		{"nosuch", 0, false},
		{"", 0, false},
	})
}

func TestDefine(t *testing.T) {
	tests := []struct {
		name, table string
		want        int64
	}{
		{"clone_newpid", "clone", unix.CLONE_NEWPID},
		{"F_SETFD", "fcntl", unix.F_SETFD},
		{"o_cloexec", "file", unix.O_CLOEXEC},
		{"tunsetiff", "ioctl", unix.TUNSETIFF},
		{"ms_bind", "mount", unix.MS_BIND},
		{"noexec", "mount", unix.MS_NOEXEC},
		{"pr_set_no_new_privs", "prctl", unix.PR_SET_NO_NEW_PRIVS},
		{"seccomp_mode_filter", "prctl", unix.SECCOMP_MODE_FILTER},
		{"rlimit_nofile", "rlimit", unix.RLIMIT_NOFILE},
		{"sigchld", "signal", int64(unix.SIGCHLD)},
		{"sys_exit", "syscall", unix.SYS_EXIT},
		{"audit_arch_x86_64", "syscall", unix.AUDIT_ARCH_X86_64},
	}
	for _, tt := range tests {
		v, tbl, err := Define(tt.name)
		if err != nil || v != tt.want || tbl != tt.table {
			t.Errorf("Define(%q) = %#x, %q, %v; want %#x, %q", tt.name, v, tbl, err, tt.want, tt.table)
		}
	}
}

func TestDefineUnknown(t *testing.T) {
	for _, tt := range []struct{ name, suggest string }{
		{"clone_newpd", "clone_newpid"},
		{"sys_getpdi", "sys_getpid"},
		{"ms_bnd", "ms_bind"},
	} {
		_, _, err := Define(tt.name)
		var uerr *UnknownConstError
		if !errors.As(err, &uerr) || uerr.Table != "any" || uerr.Name != tt.name {
			t.Fatalf("Define(%q) error = %#v, want *UnknownConstError for any", tt.name, err)
		}
		if !slices.Contains(uerr.Nearest, tt.suggest) {
			t.Errorf("Define(%q) suggests %v, want %s", tt.name, uerr.Nearest, tt.suggest)
		}
	}
	// socket is not one of alcove's define tables.
	if _, _, err := Define("af_inet"); err == nil {
		t.Error("Define(af_inet) found a table outside DefineTables")
	}
}

func TestLookupAny(t *testing.T) {
	v, tbl, err := LookupAny([]string{"prio", "socket"}, "AF_INET")
	if err != nil || v != unix.AF_INET || tbl != "socket" {
		t.Errorf("LookupAny = %d, %q, %v", v, tbl, err)
	}
	// an earlier table wins: seccomp_mode_filter is in prctl and seccomp.
	if _, tbl, _ := LookupAny([]string{"seccomp", "prctl"}, "seccomp_mode_filter"); tbl != "seccomp" {
		t.Errorf("LookupAny picked %q, want seccomp", tbl)
	}
	_, _, err = LookupAny([]string{"prio"}, "prio_proces")
	var uerr *UnknownConstError
	if !errors.As(err, &uerr) || uerr.Table != "prio" || !slices.Contains(uerr.Nearest, "prio_process") {
		t.Errorf("LookupAny(prio, prio_proces) error = %v", err)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"clone_newpid", "clone_newpd", 1}, {"same", "same", 0},
	} {
		if got := EditDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func BenchmarkDefineUnknown(b *testing.B) {
	for b.Loop() {
		Define("sys_getpdi")
	}
}

// A table built alone, at its first lookup, is the whole of that table:
// the merged one, and no table is missing.
func TestTablesBuiltAloneWhole(t *testing.T) {
	all := allTables()
	for name, merged := range all {
		if got := table(name); !maps.Equal(got, merged) {
			t.Errorf("table %s: built alone, %d names; merged, %d", name, len(got), len(merged))
		}
	}
	if table("no_such_table") != nil {
		t.Error("a table that does not exist was built")
	}
}
