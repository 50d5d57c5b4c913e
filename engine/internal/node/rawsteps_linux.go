package node

import (
	"os"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/proto"
)

// stepCall makes a runtime-free call of several system calls (the
// capability calls, landlock, link_up and link_down) with the
// proto-node's code, and words its failure as the call's own error.
func stepCall(d *proto.RawDesc, w *proto.Words, args []any) (any, error) {
	r := d.RunSteps(w)
	if r.Errno == 0 {
		return nil, nil
	}
	switch d.Name {
	case "landlock": // a plan's failure; the engine makes the call again with its record
		return nil, os.NewSyscallError("landlock", r.Errno)
	case "link_up", "link_down":
		return nil, builtins.LinkCallError(d.Name, args[0].(string), r.Errno)
	}
	return nil, builtins.CapCallError(d.Name, r.Done, r.Failed, r.Errno)
}
