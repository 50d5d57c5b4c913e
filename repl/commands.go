package repl

import (
	"context"
	"slices"
	"strings"
)

// replHelp describes the REPL's own commands, which start with a colon
// and are not part of the language.
const replHelp = `REPL commands:
  :async on|off   print processes' output and events as they arrive (on),
                  or leave them queued for stdout, stderr and event (off)
  :tree           draw the live process tree (also: tree)
  :help           this text; help and help NAME describe the language
  attach [P]      wire the terminal to the program at pipeline P (its pty,
                  or its pipes) until the escape key (Ctrl-]); it keeps running
  :escape ^X      show or set attach's escape key
  learn           the lessons; learn N starts lesson N
  errno NAME      what an errno such as eperm means
Keys: Tab completes, Ctrl-C discards the line or interrupts a wait,
Ctrl-D on an empty line leaves (ending every process), Ctrl-R searches history.
`

// replCommand runs an entry that is a REPL command and says whether it
// was one.
func (r *repl) replCommand(ctx context.Context, src string) bool {
	fields := strings.Fields(src)
	if len(fields) == 0 {
		return false
	}
	if r.tourCommand(ctx, fields) || r.errnoCommand(fields) {
		return true
	}
	if fields[0] == "tree" && len(fields) == 1 && !slices.Contains(r.interp.Procs(), "tree") {
		fields[0] = ":tree"
	}
	switch fields[0] {
	case ":tree":
		r.pr.printf("%s", treeText(r.cfg.Host))
	case ":async":
		r.asyncCommand(fields[1:])
	case ":help":
		r.pr.printf("%s", replHelp)
	case "attach":
		r.attachCommand(ctx, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(src), "attach")))
	case ":escape":
		r.escapeCommand(fields[1:])
	default:
		if !strings.HasPrefix(fields[0], ":") {
			return false
		}
		r.pr.errorf("error: unknown REPL command %s (try :help)\n", fields[0])
	}
	return true
}

func (r *repl) asyncCommand(args []string) {
	switch {
	case len(args) == 0:
		r.pr.printf("async %s\n", onOff(r.host.async))
	case len(args) == 1 && (args[0] == "on" || args[0] == "off"):
		r.host.setAsync(args[0] == "on")
		r.pr.printf("async %s\n", args[0])
	default:
		r.pr.errorf("error: usage: :async on|off\n")
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func treeText(h Host) string {
	var b strings.Builder
	drawTree(&b, h.Processes())
	return b.String()
}
