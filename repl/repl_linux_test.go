package repl_test

import "testing"

func TestTyping(t *testing.T) {
	s := startSession(t, t.TempDir())
	s.send("1 + 2\r")
	s.expect("\n3\n")
	s.send("\x04")
	if code := s.wait(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}
