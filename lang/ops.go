package lang

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/alsh/alsh/builtins"
)

// arith applies + - * / %. + also joins strings and lists.
// Overflow wraps, as in Go.
func arith(pos lexer.Position, op string, a, b any) (any, error) {
	if op == "+" {
		if v, ok := join(a, b); ok {
			return v, nil
		}
	}
	x, okA := a.(int64)
	y, okB := b.(int64)
	if !okA || !okB {
		return nil, mistake(pos, "cannot compute %s %s %s: want ints%s", describe(a), op, describe(b), okHint(a))
	}
	switch op {
	case "+":
		return x + y, nil
	case "-":
		return x - y, nil
	case "*":
		return x * y, nil
	}
	if y == 0 {
		return nil, mistake(pos, "division by zero: %d %s 0", x, op)
	}
	if op == "/" {
		return x / y, nil
	}
	return x % y, nil
}

// okHint explains the usual way to get ok on the left: a command's
// arguments stop at an operator, so `print 1 + 2` adds 2 to print's result.
func okHint(a any) string {
	if a != nil {
		return ""
	}
	return " (a command's arguments stop at an operator: write print (1 + 2))"
}

func join(a, b any) (any, bool) {
	switch a := a.(type) {
	case string:
		if b, ok := b.(string); ok {
			return a + b, true
		}
	case []any:
		if b, ok := b.([]any); ok {
			return append(append([]any{}, a...), b...), true
		}
	}
	return nil, false
}

// compare applies == != < <= > >=. Any two values can be tested for
// equality; ints and strings can be ordered.
func compare(pos lexer.Position, op string, a, b any) (any, error) {
	switch op {
	case "==":
		return equal(a, b), nil
	case "!=":
		return !equal(a, b), nil
	}
	c, ok := order(a, b)
	if !ok {
		return nil, mistake(pos, "cannot compare %s %s %s: want two ints or two strings", describe(a), op, describe(b))
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

// equal compares values by content. A constant equals another of the
// same name, and a string that spells its name, in any case: an event's
// {termsig: sigkill} == {termsig: "sigkill"}.
func equal(a, b any) bool {
	switch x := a.(type) {
	case builtins.Const:
		return constEqual(string(x), b)
	case string:
		if y, ok := b.(builtins.Const); ok {
			return strings.EqualFold(x, string(y))
		}
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, equal)
	case builtins.Record:
		y, ok := b.(builtins.Record)
		return ok && maps.EqualFunc(x, y, equal)
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	return false
}

func constEqual(name string, b any) bool {
	switch y := b.(type) {
	case builtins.Const:
		return strings.EqualFold(name, string(y))
	case string:
		return strings.EqualFold(name, y)
	}
	return false
}

func order(a, b any) (int, bool) {
	switch a := a.(type) {
	case int64:
		if b, ok := b.(int64); ok {
			return cmp.Compare(a, b), true
		}
	case string:
		if b, ok := b.(string); ok {
			return cmp.Compare(a, b), true
		}
	}
	return 0, false
}
