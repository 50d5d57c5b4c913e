package langtest

import (
	"context"
	"fmt"

	"github.com/alsh/alsh/builtins"
)

// ConnectHost fakes lang.Hosts: a new root, [-id], whose hostname is
// dest; a dest of "unreachable" fails as ssh would.
func (h *Host) ConnectHost(ctx context.Context, dest string, opts builtins.Record) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if dest == "unreachable" {
		return 0, fmt.Errorf("host %s: ssh ended before the remote side started; ssh said: connect: Connection refused", dest)
	}
	h.hosts++
	root := newProc([]int{-h.hosts})
	root.hostname = dest
	h.procs[key(root.pipeline)] = root
	return h.hosts, nil
}
