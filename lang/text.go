package lang

import "strings"

func trimKeyword(s, kw string) string {
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), kw))
}

// collapseSpace joins the lines of quoted source into one.
func collapseSpace(s string) string {
	s = strings.ReplaceAll(s, "\\\n", " ")
	return strings.Join(strings.Fields(s), " ")
}
