package engine

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/alsh/alsh/engine/internal/testutil"
)

// With the driver's RLIMIT_NOFILE reached, a fork fails at once with a
// clear EMFILE error, and nothing is half-made: no process in the tree, no
// child of the root left, no fd of the driver's more. Run in a child
// process, whose limit it lowers (TestHelperLowNofile).
func TestLowNofileForkFailsCleanly(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLowNofile$", "-test.v")
	cmd.Env = append(os.Environ(), "ALSH_TEST_LOW_NOFILE=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestHelperLowNofile") {
		t.Fatalf("helper: %v\n%s", err, out)
	}
}

// TestHelperLowNofile is not a test: TestLowNofileForkFailsCleanly runs it
// in a child process.
func TestHelperLowNofile(t *testing.T) {
	if os.Getenv("ALSH_TEST_LOW_NOFILE") != "1" {
		t.Skip("helper process for TestLowNofileForkFailsCleanly")
	}
	e, ctx := start(t)
	fork(t, e, ctx, nil) // the root's plumbing made ahead is there
	root := e.hostPid(t, nil)
	kids := childrenOf(root)
	procs := len(e.Processes())
	fillers := fillFdHoles(t)
	fds := testutil.FdCount(t, "self")
	var old unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &old)
	low := old
	low.Cur = uint64(highestFd(t) + 1 + 2) // room for 2 fds; a fork brings 5
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, err := e.Call(ctx, nil, "fork", nil)
	took := time.Since(began)
	unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
	if !errors.Is(err, unix.EMFILE) || !strings.Contains(err.Error(), "RLIMIT_NOFILE") {
		t.Fatalf("fork with the driver's nofile reached: %v, want EMFILE naming RLIMIT_NOFILE", err)
	}
	if took > 5*time.Second {
		t.Errorf("the fork took %v to fail", took)
	}
	t.Logf("fork: %v (%v)", err, took.Round(time.Microsecond))
	if got := len(e.Processes()); got != procs {
		t.Errorf("%d processes in the tree after the failed fork, %d before", got, procs)
	}
	waitFor(t, func() bool { return slices.Equal(childrenOf(root), kids) })
	if got := settledFdCountT(t, fds); got != fds {
		t.Errorf("driver fds: %d before the failed fork, %d after", fds, got)
	}
	for _, fd := range fillers {
		unix.Close(fd)
	}
	c := fork(t, e, ctx, nil) // and the engine goes on
	call(t, e, ctx, c, "getcwd")
}

func settledFdCountT(t *testing.T, want int) int {
	deadline := time.Now().Add(2 * time.Second)
	for {
		got := testutil.FdCount(t, "self")
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fillFdHoles opens /dev/null until every fd number below the highest is
// taken, so that the limit set above the highest leaves a known room.
func fillFdHoles(t *testing.T) []int {
	high := highestFd(t)
	var fillers []int
	for {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		if fd > high {
			unix.Close(fd)
			return fillers
		}
		fillers = append(fillers, fd)
	}
}

func highestFd(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	high := 0
	for _, ent := range ents {
		if fd, err := strconv.Atoi(ent.Name()); err == nil && fd > high {
			high = fd
		}
	}
	return high
}

// childrenOf lists the pids whose parent is pid, from /proc.
func childrenOf(pid int) []int {
	var kids []int
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		p, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + ent.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) && f[0] != "Z" {
			kids = append(kids, p)
		}
	}
	return kids
}
