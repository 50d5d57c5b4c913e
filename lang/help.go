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
	"if":       "if COND { … } else if COND { … } else { … }: COND is a bool, or a call that succeeds or fails",
	"else":     "if COND { … } else { … }",
	"for":      "for $x in LIST { … }: run the block once per element; for $i in (range 10) counts",
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

// helpOne describes a call, builtin or keyword, and says whether it knew it.
func helpOne(w io.Writer, name string) bool {
	if tc, ok := builtins.Lookup(name); ok {
		fmt.Fprintf(w, "%s\n  %s\n  see %s\n  example: %s\n", tc.Signature(), tc.Summary, tc.Man, tc.Example)
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
