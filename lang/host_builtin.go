package lang

import (
	"context"
	"fmt"

	"github.com/alsh/alsh/builtins"
)

// Hosts is what a Host that reaches other machines implements as well:
// the engine starts a root node on dest through ssh (docs/remote.md) and
// names it by a number of its own, id; pipelines then start from it. The
// language passes such a pipeline to Host.Call with -id as its first
// element: [$b $c] is [-id c]. ConnectHost returns without waiting for
// the connection, so that several hosts connect in parallel; the first
// call to the host waits for it, and fails if it could not be reached.
type Hosts interface {
	ConnectHost(ctx context.Context, dest string, opts builtins.Record) (id int, err error)
}

func hostBuiltins() map[string]*builtin {
	return map[string]*builtin{
		"host": {usage: `host DEST ?{exec: "sudo -n", ssh: "ssh -F FILE", binary: "PATH"}`,
			summary: "start connecting to DEST (anything ssh takes) and give its root node, which pipelines start from: fork [$b], execvp [$b $c] …; returns at once, so hosts connect in parallel; the first call to it waits until it is ready (an unreachable host's error comes from that call)",
			example: `$b = host "box1"`, fn: doHost},
	}
}

// doHost connects and returns the remote root as a record, which a
// pipeline takes as its first element.
func doHost(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 1, 2); err != nil {
		return nil, err
	}
	dest, ok := args[0].(string)
	if !ok || dest == "" {
		return nil, usageError(c, "DEST: want a destination such as \"box1\" or \"user@host\", got %s", describe(args[0]))
	}
	opts := builtins.Record{}
	if len(args) == 2 {
		if opts, ok = args[1].(builtins.Record); !ok {
			return nil, usageError(c, "options: want a record, got %s", describe(args[1]))
		}
	}
	h, ok := r.in.host.(Hosts)
	if !ok {
		return nil, fmt.Errorf("host: %w: this alsh cannot reach other hosts", builtins.ErrUnsupported)
	}
	id, err := h.ConnectHost(r.ctx, dest, opts)
	if err != nil {
		return nil, err
	}
	return builtins.Record{"host": dest, "id": int64(id)}, nil
}

// hostRoot is the id of a remote root given as a pipeline's first
// element (the record host returns), or 0.
func hostRoot(v any) int64 {
	rec, ok := v.(builtins.Record)
	if !ok {
		return 0
	}
	id, ok := rec["id"].(int64)
	if _, named := rec["host"].(string); !ok || !named || id <= 0 || id > 1<<31-1 {
		return 0
	}
	return id
}
