package lang

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alsh/alsh/builtins"
)

// textBuiltins are the string and conversion builtins. Like every value
// builtin they compute and change nothing, so a condition takes their
// result only when it is a bool.
func textBuiltins() map[string]*builtin {
	return map[string]*builtin{
		"split":   {usage: "split STRING ?SEP", summary: "the parts of STRING between each SEP, or between runs of white space when there is no SEP", example: `split "a,b,c" ","`, fn: doSplit},
		"join":    {usage: "join LIST ?SEP", summary: "the elements of LIST (strings, ints or constants) joined with SEP (default none)", example: `join ["a" "b" "c"] ","`, fn: doJoin},
		"lines":   {usage: "lines STRING", summary: "the lines of STRING, without their newlines (a final newline ends the last line)", example: `lines "one\ntwo\n"`, fn: doLines},
		"replace": {usage: "replace STRING OLD NEW", summary: "STRING with every OLD replaced by NEW", example: `replace "a-b-c" "-" "+"`, fn: doReplace},
		"find":    {usage: "find STRING SUB | find LIST VALUE", summary: "the index of the first SUB in STRING (or of VALUE in LIST), or -1", example: `find "hello" "ll"`, fn: doFind},
		"starts":  {usage: "starts STRING PREFIX", summary: "whether STRING starts with PREFIX", example: `starts "/proc/1" "/proc"`, fn: doStarts},
		"ends":    {usage: "ends STRING SUFFIX", summary: "whether STRING ends with SUFFIX", example: `ends "a.alsh" ".alsh"`, fn: doEnds},
		"upper":   {usage: "upper STRING", summary: "STRING with ASCII letters in upper case", example: `upper "sigkill"`, fn: doUpper},
		"lower":   {usage: "lower STRING", summary: "STRING with ASCII letters in lower case", example: `lower "EPERM"`, fn: doLower},
		"int":     {usage: "int STRING ?BASE | int INT", summary: "the integer STRING writes (0x, 0o, 0b prefixes and _ taken when there is no BASE)", example: `int "0x1f"`, fn: doInt},
		"str":     {usage: "str VALUE", summary: "VALUE as a string: a string as it is, anything else as its literal", example: "str 42", fn: doStr},
		"hex":     {usage: "hex INT", summary: "INT in hexadecimal, as 0x…", example: "hex 255", fn: doHex},
		"format":  {usage: "format FORMAT VALUE…", summary: "FORMAT with each verb replaced by the next VALUE, as Go's fmt: %d %x %X %o %b (ints), %s (as print shows), %q (a quoted string), %v (a literal), %%; flags and width as in Go", example: `format "%s=%d %x %q" "n" 42 255 "a b"`, fn: doFormat},
	}
}

// strArg reads argument i as a string.
func strArg(c *Call, args []any, i int) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", usageError(c, "argument %d: want string, got %s", i+1, describe(args[i]))
	}
	return s, nil
}

// strArgs checks the count and reads every argument as a string.
func strArgs(c *Call, args []any, min, max int) ([]string, error) {
	if err := arity(c, args, min, max); err != nil {
		return nil, err
	}
	out := make([]string, len(args))
	for i := range args {
		s, err := strArg(c, args, i)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func strList(parts []string) []any {
	return mapList(len(parts), func(i int) any { return parts[i] })
}

func doSplit(r *run, c *Call, args []any) (any, error) {
	s, err := strArgs(c, args, 1, 2)
	if err != nil {
		return nil, err
	}
	if len(s) == 1 {
		return strList(strings.Fields(s[0])), nil
	}
	if s[1] == "" {
		return nil, usageError(c, "the separator is empty")
	}
	return strList(strings.Split(s[0], s[1])), nil
}

func doJoin(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 1, 2); err != nil {
		return nil, err
	}
	list, ok := args[0].([]any)
	if !ok {
		return nil, usageError(c, "argument 1: want a list, got %s", describe(args[0]))
	}
	sep := ""
	if len(args) == 2 {
		var err error
		if sep, err = strArg(c, args, 1); err != nil {
			return nil, err
		}
	}
	parts := make([]string, len(list))
	for i, e := range list {
		switch e.(type) {
		case string, int64, builtins.Const:
			parts[i] = text(e)
		default:
			return nil, usageError(c, "element %d: want a string, int or constant, got %s", i+1, describe(e))
		}
	}
	return strings.Join(parts, sep), nil
}

func doLines(r *run, c *Call, args []any) (any, error) {
	s, err := strArgs(c, args, 1, 1)
	if err != nil {
		return nil, err
	}
	text := strings.TrimSuffix(s[0], "\n")
	if text == "" && s[0] != "\n" {
		return []any{}, nil
	}
	return strList(strings.Split(text, "\n")), nil
}

func doReplace(r *run, c *Call, args []any) (any, error) {
	s, err := strArgs(c, args, 3, 3)
	if err != nil {
		return nil, err
	}
	return strings.ReplaceAll(s[0], s[1], s[2]), nil
}

func doFind(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 2, 2); err != nil {
		return nil, err
	}
	if list, ok := args[0].([]any); ok {
		for i, e := range list {
			if equal(e, args[1]) {
				return int64(i), nil
			}
		}
		return int64(-1), nil
	}
	s, err := strArgs(c, args, 2, 2)
	if err != nil {
		return nil, err
	}
	return int64(strings.Index(s[0], s[1])), nil
}

func doStarts(r *run, c *Call, args []any) (any, error) {
	s, err := strArgs(c, args, 2, 2)
	if err != nil {
		return nil, err
	}
	return strings.HasPrefix(s[0], s[1]), nil
}

func doEnds(r *run, c *Call, args []any) (any, error) {
	s, err := strArgs(c, args, 2, 2)
	if err != nil {
		return nil, err
	}
	return strings.HasSuffix(s[0], s[1]), nil
}

// upper and lower change only ASCII letters: a string is bytes, and
// other bytes stay as they are.
func doUpper(r *run, c *Call, args []any) (any, error) {
	s, err := strArgs(c, args, 1, 1)
	if err != nil {
		return nil, err
	}
	return mapASCII(s[0], 'a', 'z', 'A'-'a'), nil
}

func doLower(r *run, c *Call, args []any) (any, error) {
	s, err := strArgs(c, args, 1, 1)
	if err != nil {
		return nil, err
	}
	return mapASCII(s[0], 'A', 'Z', 'a'-'A'), nil
}

func mapASCII(s string, lo, hi byte, delta int) string {
	b := []byte(s)
	for i, ch := range b {
		if ch >= lo && ch <= hi {
			b[i] = byte(int(ch) + delta)
		}
	}
	return string(b)
}

func doInt(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 1, 2); err != nil {
		return nil, err
	}
	if n, ok := args[0].(int64); ok && len(args) == 1 {
		return n, nil
	}
	s, err := strArg(c, args, 0)
	if err != nil {
		return nil, err
	}
	base := int64(0)
	if len(args) == 2 {
		if base, err = intArg(c, args, 1); err != nil {
			return nil, err
		}
		if base < 2 || base > 36 {
			return nil, usageError(c, "base %d: want 2 to 36", base)
		}
	}
	n, err := strconv.ParseInt(s, int(base), 64)
	if err != nil {
		why := "not an integer"
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			why = "out of the range of a 64-bit int"
		}
		if base != 0 {
			why += fmt.Sprintf(" in base %d", base)
		}
		return nil, usageError(c, "%s is %s", builtins.Quote(s), why)
	}
	return n, nil
}

func doStr(r *run, c *Call, args []any) (any, error) {
	if err := arity(c, args, 1, 1); err != nil {
		return nil, err
	}
	return text(args[0]), nil
}

func doHex(r *run, c *Call, args []any) (any, error) {
	n, err := only[int64](c, args, "want an int")
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return "-0x" + strconv.FormatUint(-uint64(n), 16), nil
	}
	return "0x" + strconv.FormatInt(n, 16), nil
}

func doFormat(r *run, c *Call, args []any) (any, error) {
	if len(args) == 0 {
		return nil, usageError(c, "want a FORMAT string")
	}
	f, err := strArg(c, args, 0)
	if err != nil {
		return nil, err
	}
	out, err := format(f, args[1:])
	if err != nil {
		return nil, usageError(c, "%s: %v", builtins.Quote(f), err)
	}
	return out, nil
}

// format renders alsh values the way Go's fmt renders Go values, one
// verb at a time, checking each value against its verb.
func format(f string, vals []any) (string, error) {
	var b strings.Builder
	next := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			b.WriteByte(f[i])
			continue
		}
		j := i + 1
		for j < len(f) && strings.IndexByte("+-# 0123456789.", f[j]) >= 0 {
			j++
		}
		if j == len(f) {
			return "", fmt.Errorf("%s at the end has no verb", f[i:])
		}
		spec, verb := f[i:j], f[j]
		i = j
		if verb == '%' {
			b.WriteByte('%')
			continue
		}
		if next == len(vals) {
			return "", fmt.Errorf("%s%c has no value", spec, verb)
		}
		s, err := formatOne(spec, verb, vals[next])
		if err != nil {
			return "", fmt.Errorf("value %d: %w", next+1, err)
		}
		b.WriteString(s)
		next++
	}
	if next < len(vals) {
		return "", fmt.Errorf("%d values but %d verbs", len(vals), next)
	}
	return b.String(), nil
}

func formatOne(spec string, verb byte, v any) (string, error) {
	switch verb {
	case 'd', 'o', 'b', 'c':
		if n, ok := v.(int64); ok {
			return fmt.Sprintf(spec+string(verb), n), nil
		}
		return "", fmt.Errorf("%%%c wants an int, got %s", verb, describe(v))
	case 'x', 'X':
		switch v.(type) {
		case int64, string:
			return fmt.Sprintf(spec+string(verb), v), nil
		}
		return "", fmt.Errorf("%%%c wants an int or a string, got %s", verb, describe(v))
	case 's':
		return fmt.Sprintf(spec+"s", text(v)), nil
	case 'q':
		if s, ok := v.(string); ok {
			return fmt.Sprintf(spec+"s", builtins.Quote(s)), nil
		}
		return "", fmt.Errorf("%%q wants a string, got %s", describe(v))
	case 'v':
		return fmt.Sprintf(spec+"s", builtins.Format(v)), nil
	}
	return "", fmt.Errorf("unknown verb %%%c (use %%d %%x %%X %%o %%b %%c %%s %%q %%v)", verb)
}
