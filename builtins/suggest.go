package builtins

import "strings"

// suggest is " (did you mean a, b?)" for the names of known nearest to
// word, or "" when none is near.
func suggest(word string, known []string) string {
	t := make(map[string]int64, len(known))
	for _, k := range known {
		t[k] = 0
	}
	near := nearest(word, t)
	if len(near) == 0 {
		return ""
	}
	return " (did you mean " + strings.Join(near, ", ") + "?)"
}
