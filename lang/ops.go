package lang

import (
	"cmp"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/alsh/alsh/builtins"
)

// arith applies + - * / %. + also joins strings and lists.
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

func equal(a, b any) bool {
	if x, ok := a.(builtins.Const); ok {
		y, ok := b.(builtins.Const)
		return ok && strings.EqualFold(string(x), string(y))
	}
	return builtins.TypeName(a) == builtins.TypeName(b) && builtins.Format(a) == builtins.Format(b)
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
