package repl

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/alsh/alsh/builtins"
)

// helpEntry matches an entry that asks for help on one name; compiled at
// its first use, not in every start of the binary.
var helpEntry = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*help\s+([A-Za-z_][A-Za-z0-9_]*)\s*$`)
})

// maxConstantsShown bounds the constants listed per argument.
const maxConstantsShown = 24

// helpConstants adds, after the language's help for a call, the
// constants each of its flag arguments accepts (from the call table).
func helpConstants(src string) string {
	m := helpEntry().FindStringSubmatch(src)
	if m == nil {
		return ""
	}
	tc, ok := builtins.Lookup(strings.ToLower(m[1]))
	if !ok {
		return ""
	}
	var b strings.Builder
	for _, a := range tc.Args {
		if a.Kind != builtins.Flags {
			continue
		}
		names := builtins.ConstantNames(a.Table)
		more := ""
		if len(names) > maxConstantsShown {
			more = fmt.Sprintf(" … (%d in all; Tab completes them)", len(names))
			names = names[:maxConstantsShown]
		}
		fmt.Fprintf(&b, "  %s accepts: %s%s\n", a.Name, strings.Join(names, " "), more)
	}
	return b.String()
}
