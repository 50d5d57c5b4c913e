package node

import (
	"os"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
)

// stepCall makes a runtime-free call of several system calls (the
// capability calls) with the proto-node's code, and words its failure
// as the call's own error.
func stepCall(d *proto.RawDesc, w *proto.Words) (any, error) {
	r := d.RunSteps(w)
	if r.Errno == 0 {
		return nil, nil
	}
	if d.Name == "landlock" { // a plan's failure; the engine makes the call again with its record
		return nil, os.NewSyscallError("landlock", r.Errno)
	}
	return nil, builtins.CapCallError(d.Name, r.Done, r.Failed, r.Errno)
}
