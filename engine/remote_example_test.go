package engine_test

import (
	"context"
	"fmt"
	"log"
	"sync"

	"github.com/alsh/alsh/engine"
)

// Several engines, each with its root on a remote host reached through
// ssh (the user's ~/.ssh/config, agent and known_hosts apply), started in
// parallel. Nothing needs to be installed on the hosts: the first stage
// sends this program's binary once and keeps it in ~/.cache/alsh there.
// A program run there is killed when the connection drops.
func Example_remoteHosts() {
	ctx := context.Background()
	hosts := []string{"box1", "box2"}
	names := make([]string, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Go(func() {
			e, err := engine.Start(ctx, engine.Options{Host: h})
			if err != nil {
				log.Print(err) // names the host and shows what ssh said
				return
			}
			defer e.Close()
			pid, err := e.Fork(ctx, nil)
			if err != nil {
				log.Print(err)
				return
			}
			c := []int{int(pid)}
			names[i], _ = e.Gethostname(ctx, c)
			if err := e.Execvp(ctx, c, "uname", []string{"uname", "-m"}); err != nil {
				log.Print(err)
				return
			}
			out, _ := e.Call(ctx, c, "stdout", []any{int64(5000)})
			fmt.Printf("%s: %v", names[i], out)
		})
	}
	wg.Wait()
}
