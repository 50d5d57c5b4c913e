package builtins

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Values that cross between the language, the driver and the nodes are
// plain Go values of a few types:
//
//	int64        an integer
//	string       a byte string (any bytes, not only UTF-8)
//	[]any        a list
//	Record       named fields, such as an rlimit {cur: 0, max: 0}
//	Const        a constant's name, resolved by the argument's table
//	nil          no value (the reply of a call that returns only success)
//
// Calls that succeed with nothing to say return nil; the language shows it
// as ok.

// Record is a value with named fields.
type Record map[string]any

// Const is a symbolic constant as the user wrote it (clone_newpid,
// RLIMIT_NOFILE). Convert resolves it in the table the argument names.
type Const string

// Keys returns the record's field names in sorted order.
func (r Record) Keys() []string {
	return slices.Sorted(maps.Keys(r))
}

// Format renders v in the language's literal syntax, so that what is shown
// can be pasted back as input.
func Format(v any) string {
	var b strings.Builder
	format(&b, v)
	return b.String()
}

func format(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("ok")
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case int:
		b.WriteString(strconv.Itoa(v))
	case string:
		b.WriteString(Quote(v))
	case Const:
		b.WriteString(string(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case []any:
		formatList(b, v)
	case Record:
		formatRecord(b, v)
	default:
		fmt.Fprintf(b, "%v", v)
	}
}

func formatList(b *strings.Builder, l []any) {
	b.WriteByte('[')
	for i, e := range l {
		if i > 0 {
			b.WriteByte(' ')
		}
		format(b, e)
	}
	b.WriteByte(']')
}

func formatRecord(b *strings.Builder, r Record) {
	b.WriteByte('{')
	for i, k := range r.Keys() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString(": ")
		format(b, r[k])
	}
	b.WriteByte('}')
}

// Quote renders s as a double-quoted string literal. Printable ASCII and
// printable UTF-8 (é, ✓) stay as they are; everything else, invalid
// UTF-8 included, becomes an escape, so any byte string round-trips.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError && unicode.IsPrint(r) {
				b.WriteString(s[i : i+n])
				i += n
				continue
			}
		}
		quoteByte(&b, c)
		i++
	}
	b.WriteByte('"')
	return b.String()
}

// quoteByte writes one byte of a string literal, escaped if need be.
func quoteByte(b *strings.Builder, c byte) {
	switch c {
	case '"', '\\', '$':
		b.WriteByte('\\')
		b.WriteByte(c)
	case '\n':
		b.WriteString(`\n`)
	case '\t':
		b.WriteString(`\t`)
	case '\r':
		b.WriteString(`\r`)
	case 0:
		b.WriteString(`\0`)
	default:
		if c < 0x20 || c >= 0x7f {
			fmt.Fprintf(b, `\x%02x`, c)
		} else {
			b.WriteByte(c)
		}
	}
}
