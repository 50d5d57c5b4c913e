package repl_test

import (
	"regexp"
	"testing"

	"github.com/alsh/alsh/internal/sshtest"
)

// TestRemoteOutputNamesTheHost: output lines and events of a program on
// a remote host carry the host's name at the REPL, both the ones taken
// from the queues at the end of an entry and the ones printed as they
// come; so does the prompt.
func TestRemoteOutputNamesTheHost(t *testing.T) {
	t.Setenv("ALSH_SSH_COMMAND", sshtest.Hosts(t, "box1"))
	s := startSession(t)
	s.enter(`$b = host "box1"`, "alsh> ")
	s.enter(`$c = fork [$b]`, "alsh box1 [-1]> ")
	got := s.enter(`print "child" $c "here"`, "here\n")
	m := regexp.MustCompile(`child (\d+) here`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no pid in %q", got)
	}
	tag := "box1 [-1 " + m[1] + "]"
	s.enter(`execvp [$b $c] "/bin/sh" ["sh" "-c" "hostname; sleep 0.5; echo late >&2"]`, tag+" stdout: box1\n")
	s.expect(tag + " stderr: late\n")
	s.expect(tag + " event: {exit_status: 0}\n")
	s.enter(`getpid [$b $c]`, "is not a live child of [-1]") // as written, from box1's root
	s.expect("alsh> ")                                       // the prompt forgets a process that is gone
}
