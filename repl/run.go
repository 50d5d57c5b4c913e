package repl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/lang"
)

// runEntry runs one parsed entry. Ctrl-C cancels it. done reports an exit
// statement and status its status.
func (r *repl) runEntry(ctx context.Context, src string, prog *lang.Program) (status int, done bool) {
	ctx, cancel := context.WithCancel(ctx)
	stop := r.cancelOnInterrupt(cancel)
	r.host.startEntry()
	err := r.interp.Run(ctx, prog)
	r.entryErr = err
	stop()
	cancel()
	r.host.endEntry()
	if es, ok := errors.AsType[lang.ExitStatus](err); ok {
		return int(es), true
	}
	if err != nil {
		r.showError(src, err)
		return 0, false
	}
	if extra := helpConstants(src); extra != "" {
		r.pr.printf("%s", extra)
	}
	return 0, false
}

// cancelOnInterrupt calls cancel when Ctrl-C arrives, until stop is
// called. A Ctrl-C left over from before is dropped.
func (r *repl) cancelOnInterrupt(cancel func()) (stop func()) {
	for len(r.intr) > 0 {
		<-r.intr
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-r.intr:
			cancel()
		case <-quit:
		}
	}()
	return func() {
		close(quit)
		<-finished
	}
}

// showError prints an entry's failure: the message with the errno name
// and text, the position when the entry has several lines, and the call
// as it was made when the kernel refused it.
func (r *repl) showError(src string, err error) {
	if errors.Is(err, context.Canceled) {
		r.pr.errorf("interrupted\n")
		return
	}
	var b strings.Builder
	b.WriteString("error: ")
	if le, ok := errors.AsType[*lang.Error](err); ok && !strings.Contains(src, "\n") {
		b.WriteString(le.Msg)
	} else {
		b.WriteString(err.Error())
	}
	b.WriteByte('\n')
	if f := r.host.failed; f != nil && isErrno(err) {
		fmt.Fprintf(&b, "  in: %s\n", callText(f))
		if r.inLesson() {
			b.WriteString(teachingLine(f.name, err))
		}
	}
	r.pr.errorf("%s", b.String())
}

// isErrno says whether the kernel refused a call.
func isErrno(err error) bool {
	_, ok := errors.AsType[syscall.Errno](err)
	return ok
}

// callText writes a call back as the user could type it.
func callText(f *failedCall) string {
	parts := []string{f.name, pipelineString(f.pipeline)}
	for _, a := range f.args {
		parts = append(parts, builtins.Format(a))
	}
	return strings.Join(parts, " ")
}

// prompt is "alsh> ", or "alsh [pid…]> " after a call on a live process
// ("alsh box1 [-1 pid…]> " on a remote host); a continuation prompt is
// as wide, so that lines stay aligned.
func (r *repl) prompt(continuation bool) string {
	p := "alsh> "
	if pl := r.host.lastLive(); pl != nil {
		host := ""
		if pl[0] < 0 {
			host = r.host.hostNames()[pl[0]]
		}
		p = "alsh " + hostPrefix(host) + pipelineString(pl) + "> "
	}
	if continuation {
		return fmt.Sprintf("%*s", len(p), "...> ")
	}
	return p
}
