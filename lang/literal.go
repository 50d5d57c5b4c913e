package lang

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Int is an integer literal as captured from the source.
type Int int64

// Capture reads decimal, 0x hex, 0o octal and 0b binary integers, with an
// optional minus sign and _ separators. A leading 0 followed by digits is
// refused: it would be octal in C and decimal in Go.
func (n *Int) Capture(values []string) error {
	s := values[0]
	digits := strings.TrimPrefix(s, "-")
	if len(digits) > 1 && digits[0] == '0' && digits[1] >= '0' && digits[1] <= '9' {
		return fmt.Errorf("integer %s has a leading zero: write 0o%s for octal", s, digits[1:])
	}
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return fmt.Errorf("integer %s is out of range", s)
		}
		return fmt.Errorf("invalid integer %s", s)
	}
	*n = Int(v)
	return nil
}

// Raw is a single-quoted string literal without its quotes.
type Raw string

// Capture strips the quotes.
func (r *Raw) Capture(values []string) error {
	s := values[0]
	*r = Raw(s[1 : len(s)-1])
	return nil
}

// VarRef is a variable name with an optional path of fields or list
// indexes: $c, $r.cur, $args.0.
type VarRef struct {
	Name string
	Path []string
}

// Capture splits $name.a.b.
func (v *VarRef) Capture(values []string) error {
	parts := strings.Split(strings.TrimPrefix(values[0], "$"), ".")
	v.Name, v.Path = parts[0], parts[1:]
	return nil
}

func (v VarRef) String() string {
	return "$" + strings.Join(append([]string{v.Name}, v.Path...), ".")
}

// Str is a double-quoted string literal: literal bytes and interpolated
// variables.
type Str struct {
	Parts []StrPart
}

// StrPart is literal bytes, or a variable when Var is set.
type StrPart struct {
	Lit string
	Var *VarRef
}

// Capture decodes escapes and splits out $name and ${name.path}.
func (s *Str) Capture(values []string) error {
	raw := values[0]
	parts, err := parseStr(raw[1 : len(raw)-1])
	if err != nil {
		return err
	}
	s.Parts = parts
	return nil
}

// strScanner walks the inside of a double-quoted string.
type strScanner struct {
	in    string
	i     int
	lit   strings.Builder
	parts []StrPart
}

func parseStr(in string) ([]StrPart, error) {
	sc := &strScanner{in: in}
	for sc.i < len(in) {
		var err error
		switch in[sc.i] {
		case '\\':
			err = sc.escape()
		case '$':
			err = sc.variable()
		default:
			sc.lit.WriteByte(in[sc.i])
			sc.i++
		}
		if err != nil {
			return nil, err
		}
	}
	sc.flush()
	if len(sc.parts) == 0 {
		sc.parts = []StrPart{{}}
	}
	return sc.parts, nil
}

func (sc *strScanner) flush() {
	if sc.lit.Len() > 0 {
		sc.parts = append(sc.parts, StrPart{Lit: sc.lit.String()})
		sc.lit.Reset()
	}
}

var simpleEscapes = map[byte]byte{'n': '\n', 't': '\t', 'r': '\r', '0': 0,
	'"': '"', '\\': '\\', '$': '$', 'a': 7, 'b': 8, 'e': 27, 'f': 12, 'v': 11, '\n': 0}

func (sc *strScanner) escape() error {
	if sc.i+1 >= len(sc.in) {
		return fmt.Errorf("string ends with a lone backslash")
	}
	c := sc.in[sc.i+1]
	if c == 'x' {
		return sc.hexEscape()
	}
	b, ok := simpleEscapes[c]
	if !ok {
		return fmt.Errorf("unknown escape \\%c in string (write \\\\ for a backslash)", c)
	}
	if c != '\n' { // backslash-newline joins lines
		sc.lit.WriteByte(b)
	}
	sc.i += 2
	return nil
}

func (sc *strScanner) hexEscape() error {
	if sc.i+4 > len(sc.in) {
		return fmt.Errorf("escape \\x needs two hex digits")
	}
	v, err := strconv.ParseUint(sc.in[sc.i+2:sc.i+4], 16, 8)
	if err != nil {
		return fmt.Errorf("escape \\x%s needs two hex digits", sc.in[sc.i+2:sc.i+4])
	}
	sc.lit.WriteByte(byte(v))
	sc.i += 4
	return nil
}

// variable reads $name or ${name.path}.
func (sc *strScanner) variable() error {
	rest := sc.in[sc.i+1:]
	var ref string
	if strings.HasPrefix(rest, "{") {
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return fmt.Errorf("${ in string has no closing }")
		}
		ref = rest[1:end]
		if !isVarPath(ref) {
			return fmt.Errorf("bad variable ${%s} in string (write \\$ for a dollar sign)", ref)
		}
		sc.i += end + 2
	} else {
		ref = rest[:identLen(rest)]
		if ref == "" {
			return fmt.Errorf("$ in string is not followed by a name (write \\$ for a dollar sign)")
		}
		sc.i += len(ref) + 1
	}
	sc.flush()
	var v VarRef
	_ = v.Capture([]string{ref})
	sc.parts = append(sc.parts, StrPart{Var: &v})
	return nil
}

func isIdentByte(c byte, first bool) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
}

func identLen(s string) int {
	n := 0
	for n < len(s) && isIdentByte(s[n], n == 0) {
		n++
	}
	return n
}

func isVarPath(s string) bool {
	for i, p := range strings.Split(s, ".") {
		if i > 0 && strings.HasPrefix(p, "$") { // $l.$i
			p = p[1:]
			if identLen(p) != len(p) {
				return false
			}
		}
		if p == "" || i == 0 && identLen(p) != len(p) {
			return false
		}
		for j := 0; j < len(p); j++ {
			if !isIdentByte(p[j], false) {
				return false
			}
		}
	}
	return true
}
