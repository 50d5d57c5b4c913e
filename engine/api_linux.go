package engine

import (
	"fmt"

	"github.com/alsh/alsh/builtins"
	"github.com/alsh/alsh/engine/internal/wire"
)

// Helpers of the typed API in zcalls.go, which gen_calls.go generates from
// the call table: each method builds an argument list and converts Call's
// result to the call's Go type.

// optional turns a variadic optional argument into zero or one argument.
func optional[T any](v []T) []any {
	if len(v) == 0 {
		return nil
	}
	return []any{v[0]}
}

// anyList turns a typed slice into the []any that Call takes.
func anyList[T any](v []T) []any {
	out := make([]any, len(v))
	for i, e := range v {
		out[i] = e
	}
	return out
}

func resultAny(v any, err error) (any, error) { return v, err }

func resultInt(v any, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok {
		return 0, resultTypeError("int", v)
	}
	return n, nil
}

func resultStr(v any, err error) (string, error) {
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", resultTypeError("string", v)
	}
	return s, nil
}

// resultRecord allows nil: event returns ok when no event came.
func resultRecord(v any, err error) (builtins.Record, error) {
	if err != nil || v == nil {
		return nil, err
	}
	r, ok := v.(builtins.Record)
	if !ok {
		return nil, resultTypeError("record", v)
	}
	return r, nil
}

func resultList(v any, err error) ([]any, error) {
	if err != nil || v == nil {
		return nil, err
	}
	l, ok := v.([]any)
	if !ok {
		return nil, resultTypeError("list", v)
	}
	return l, nil
}

func resultTypeError(want string, v any) error {
	return fmt.Errorf("%w: want a %s result, got %s", wire.ErrMalformed, want, builtins.TypeName(v))
}
