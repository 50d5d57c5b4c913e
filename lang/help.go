package lang

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/alsh/alsh/builtins"
)

// keywordHelp describes the statements, for help.
var keywordHelp = map[string]string{
	"if":       "if COND { … } else if COND { … } else { … }: COND is a bool, or a call that succeeds (true) or fails (false); a call that gives ok where it has a value to give (getenv of an unset name) is false",
	"else":     "if COND { … } else { … }",
	"for":      "for $x in LIST { … }: run the block once per element; for $i $x in LIST with the index too; for $k $v in RECORD once per field",
	"in":       "for $x in LIST { … }",
	"while":    "while COND { … }: run the block as long as COND holds",
	"proc":     "proc NAME $a $b { … return VALUE }: define a procedure, called as NAME a b",
	"return":   "return VALUE: leave a procedure with VALUE (ok if none)",
	"break":    "break: leave the innermost loop",
	"continue": "continue: start the next iteration of the innermost loop",
	"try":      "try { … } catch $e { … }: run the catch block if the try block fails; $e is {error: NAME, message: TEXT}",
	"catch":    "try { … } catch $e { … }",
	"expect":   "expect ERRNO CALL: the call fails with that error; expect COND: the condition holds",
	"and":      "A and B: true when both conditions hold",
	"or":       "A or B: true when either condition holds",
	"not":      "not A: true when the condition does not hold",
	"true":     "the bool true",
	"false":    "the bool false",
	"ok":       "the value of a call that returns nothing",
	"time":     "time { … }: run the block and give how long it took, in nanoseconds",
}

func doHelp(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 0, 1); err != nil {
		return nil, err
	}
	if len(args) == 0 {
		helpIndex(r.in.opts.Stdout, r.in.Procs())
		return nil, nil
	}
	name := strings.ToLower(text(args[0]))
	if !helpOne(r.in.opts.Stdout, name) && !r.in.helpModule(r.in.opts.Stdout, name) {
		return nil, &namedError{name: "badarg", msg: fmt.Sprintf("no command or keyword %s%s", name, suggest(name, r.commandNames()))}
	}
	return nil, nil
}

// helpIndex lists the calls by group, then the builtins and keywords.
func helpIndex(w io.Writer, procs []string) {
	var groups []string
	byGroup := map[string][]string{}
	for _, c := range builtins.Table {
		if byGroup[c.Group] == nil {
			groups = append(groups, c.Group)
		}
		byGroup[c.Group] = append(byGroup[c.Group], c.Name)
	}
	for _, g := range groups {
		fmt.Fprintf(w, "%-12s %s\n", g+":", strings.Join(byGroup[g], " "))
	}
	fmt.Fprintf(w, "%-12s %s\n", "language:", strings.Join(slices.Sorted(maps.Keys(builtinFuncs)), " "))
	fmt.Fprintf(w, "%-12s %s\n", "keywords:", strings.Join(keywords, " "))
	if len(procs) > 0 {
		fmt.Fprintf(w, "%-12s %s\n", "procedures:", strings.Join(procs, " "))
	}
	fmt.Fprintln(w, `help NAME describes one; help "if" a keyword.`)
}

// helpOne describes a call, builtin, keyword or errno name, and says
// whether it knew it.
func helpOne(w io.Writer, name string) bool {
	if tc, ok := builtins.Lookup(name); ok {
		fmt.Fprintf(w, "%s\n  %s\n  see %s\n  example: %s\n", tc.Signature(), tc.Summary, tc.Man, tc.Example)
		helpErrors(w, name)
		if name == "exit" {
			fmt.Fprintf(w, "%s\n  %s\n", builtinFuncs[name].usage, builtinFuncs[name].summary)
		}
		return true
	}
	if b, ok := builtinFuncs[name]; ok {
		fmt.Fprintf(w, "%s\n  %s\n  example: %s\n", b.usage, b.summary, b.example)
		return true
	}
	if h, ok := keywordHelp[name]; ok {
		fmt.Fprintln(w, h)
		return true
	}
	if m, ok := builtins.ErrnoMeaning(name); ok {
		fmt.Fprint(w, wrapHelp(name+": ", m))
		return true
	}
	return false
}

// BuiltinExamples returns each builtin's example line, for tests.
func BuiltinExamples() map[string]string {
	out := map[string]string{}
	for name, b := range builtinFuncs {
		out[name] = b.example
	}
	return out
}

// helpErrors lists the errors a call may fail with and why, each
// wrapped to fit 80 columns. A call that never fails lists nothing.
func helpErrors(w io.Writer, call string) {
	causes, _ := builtins.ErrnoCauses(call)
	if len(causes) == 0 {
		return
	}
	fmt.Fprintln(w, "  errors (errno NAME says what one means):")
	for _, c := range causes {
		fmt.Fprint(w, wrapHelp(fmt.Sprintf("    %-8s ", c.Errno), c.Cause))
	}
}

// wrapHelp writes text after prefix in lines shorter than 80 columns,
// the lines after the first indented as wide as prefix.
func wrapHelp(prefix, text string) string {
	var b strings.Builder
	indent := strings.Repeat(" ", len(prefix))
	line := prefix
	for i, word := range strings.Fields(text) {
		if i > 0 && len([]rune(line))+1+len([]rune(word)) >= 80 {
			b.WriteString(line + "\n")
			line = indent + word
			continue
		}
		if i > 0 {
			line += " "
		}
		line += word
	}
	return b.String() + line + "\n"
}
