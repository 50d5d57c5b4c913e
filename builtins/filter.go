package builtins

import (
	"fmt"
	"slices"
	"strings"
)

// FilteredError: a call denied by the process's call filter.
// errors.Is(err, ErrFiltered) holds.
type FilteredError struct{ Call string }

func (e *FilteredError) Error() string {
	return "filtered: " + e.Call + " is denied in this process"
}

func (e *FilteredError) Unwrap() error { return ErrFiltered }

// FilterSet resolves a filter argument to the names of the calls it
// denies: a list of call names denies those; {deny: [names]} the same;
// {allow: [names]} denies every call of Table but those; [] denies none.
// Names are strings or constants (bare words).
func FilterSet(v any) ([]string, error) {
	switch v := v.(type) {
	case []any:
		return callNames(v)
	case Record:
		return filterRecord(v)
	}
	return nil, fmt.Errorf("want a list of call names or {allow: […]} or {deny: […]}, got %s", TypeName(v))
}

func filterRecord(r Record) ([]string, error) {
	if len(r) != 1 {
		return nil, fmt.Errorf("want one field, allow or deny, got %s", Format(r))
	}
	key := r.Keys()[0]
	l, ok := r[key].([]any)
	if !ok || (key != "allow" && key != "deny") {
		return nil, fmt.Errorf("want {allow: […]} or {deny: […]}, got %s", Format(r))
	}
	names, err := callNames(l)
	if err != nil || key == "deny" {
		return names, err
	}
	var denied []string
	for _, c := range Table {
		if !slices.Contains(names, c.Name) {
			denied = append(denied, c.Name)
		}
	}
	return denied, nil
}

func callNames(l []any) ([]string, error) {
	out := make([]string, 0, len(l))
	for i, e := range l {
		var name string
		switch e := e.(type) {
		case string:
			name = e
		case Const:
			name = string(e)
		default:
			return nil, fmt.Errorf("element %d: want a call name, got %s", i+1, TypeName(e))
		}
		name = strings.ToLower(name)
		if _, ok := Lookup(name); !ok {
			return nil, fmt.Errorf("element %d: no call named %s", i+1, name)
		}
		out = append(out, name)
	}
	return out, nil
}
