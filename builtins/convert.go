package builtins

import "fmt"

// Convert checks args against the call's argument kinds and resolves
// constants, giving the values a node receives. Errors say which argument
// was wrong.
func Convert(c *Call, args []any) ([]any, error) {
	if err := checkArity(c, len(args)); err != nil {
		return nil, err
	}
	out := make([]any, len(args))
	for i, v := range args {
		a := c.Args[i]
		w, err := convertArg(a, v)
		if err != nil {
			return nil, &ArgError{Call: c.Name, N: i + 1, Name: a.Name, Msg: err.Error()}
		}
		out[i] = w
	}
	return out, nil
}

// checkArity refuses a count of arguments the call does not take; the
// driver (Convert) and the node (CheckWire) both ask.
func checkArity(c *Call, got int) error {
	min, max := len(c.Args)-c.Optional, len(c.Args)
	if got >= min && got <= max {
		return nil
	}
	want := fmt.Sprint(min)
	if max != min {
		want = fmt.Sprintf("%d to %d", min, max)
	}
	return &ArgError{Call: c.Name, Msg: fmt.Sprintf("want %s arguments, got %d", want, got)}
}

func convertArg(a Arg, v any) (any, error) {
	switch a.Kind {
	case Int:
		return fittedInt(a, v)
	case Str:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case Strs:
		return listOf(v, func(e any) (any, error) {
			if s, ok := e.(string); ok {
				return s, nil
			}
			return nil, wantGot("string", e)
		})
	case Ints:
		return listOf(v, func(e any) (any, error) { return fittedInt(a, e) })
	case Flags:
		n, err := flags(a.Table, v)
		if err != nil {
			return nil, err
		}
		if err := fitCType(a, n.(int64)); err != nil {
			return nil, err
		}
		return n, nil
	case Rlimit:
		return rlimit(v)
	case Any:
		return v, nil
	}
	return nil, wantGot(a.Kind.String(), v)
}

func toInt(v any) (any, error) {
	switch v := v.(type) {
	case int64:
		return v, nil
	case int:
		return int64(v), nil
	}
	return nil, wantGot("int", v)
}

// fittedInt is an int that fits the argument's C type.
func fittedInt(a Arg, v any) (any, error) {
	n, err := toInt(v)
	if err == nil {
		err = fitCType(a, n.(int64))
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

func listOf(v any, elem func(any) (any, error)) (any, error) {
	switch l := v.(type) {
	case []any:
		out := make([]any, len(l))
		for i, e := range l {
			w, err := elem(e)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i+1, err)
			}
			out[i] = w
		}
		return out, nil
	case []string:
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = e
		}
		return listOf(out, elem)
	}
	return nil, wantGot("list", v)
}

// flags resolves a constant, an int, or a list of them OR'd together.
func flags(tableName string, v any) (any, error) {
	switch v := v.(type) {
	case int64, int:
		return toInt(v)
	case Const:
		return Constant(tableName, string(v))
	case []any:
		var acc int64
		for _, e := range v {
			n, err := flags(tableName, e)
			if err != nil {
				return nil, err
			}
			acc |= n.(int64)
		}
		return acc, nil
	}
	return nil, wantGot(tableName+" constant", v)
}

func rlimit(v any) (any, error) {
	r, ok := v.(Record)
	if !ok {
		return nil, wantGot("record {cur, max}", v)
	}
	out := Record{}
	for _, k := range []string{"cur", "max"} {
		f, ok := r[k]
		if !ok {
			return nil, fmt.Errorf("missing field %s", k)
		}
		n, err := rlimitValue(f)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
		out[k] = n
	}
	if len(r) != 2 {
		return nil, fmt.Errorf("want only fields cur and max, got %s", Format(r))
	}
	return out, nil
}

// rlimitValue accepts an int or the constant infinity (rlim_infinity).
func rlimitValue(v any) (any, error) {
	if c, ok := v.(Const); ok && (c == "infinity" || c == "rlim_infinity") {
		return int64(-1), nil
	}
	return toInt(v)
}

func wantGot(want string, v any) error {
	return fmt.Errorf("want %s, got %s %s", want, TypeName(v), Format(v))
}

// TypeName names a value's type as the language shows it.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "ok"
	case int64, int:
		return "int"
	case string:
		return "string"
	case Const:
		return "constant"
	case []any, []string:
		return "list"
	case Record:
		return "record"
	}
	return fmt.Sprintf("%T", v)
}
