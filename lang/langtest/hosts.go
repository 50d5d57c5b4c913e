package langtest

import (
	"context"
	"fmt"
	"strings"

	"github.com/alsh/alsh/builtins"
)

// ConnectHost fakes lang.Hosts: a new root, [-id], whose hostname is
// dest. As the engine's, it returns before connecting: a dest of
// "unreachable" gets an id whose calls fail as ssh would; a dest that
// begins with "-" fails at once.
func (h *Host) ConnectHost(ctx context.Context, dest string, opts builtins.Record) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if strings.HasPrefix(dest, "-") {
		return 0, fmt.Errorf("host %q: a destination cannot begin with '-'", dest)
	}
	h.hosts++
	if dest == "unreachable" {
		if h.unreachable == nil {
			h.unreachable = map[int]error{}
		}
		h.unreachable[h.hosts] = fmt.Errorf("starting the root node: host %s: ssh ended before the remote side started; ssh said: connect: Connection refused", dest)
		return h.hosts, nil
	}
	root := newProc([]int{-h.hosts})
	root.hostname = dest
	h.procs[key(root.pipeline)] = root
	return h.hosts, nil
}
