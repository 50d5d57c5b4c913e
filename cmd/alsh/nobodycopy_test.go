package main

import (
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdNobodyCopy: nobody-copy puts a copy of the alsh command where uid
// 65534 may run it (removed at the script's end) and sets $NOBODY_ALSH
// to its path, for scripts that run alsh as an ordinary user (through
// setpriv) or give that copy file capabilities (setcap).
func cmdNobodyCopy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: nobody-copy")
	}
	nobodyCopy(ts, filepath.Join(binDir(ts), "alsh"))
}
