package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/alsh/alsh/builtins"
)

func isFiltered(err error, call string) bool {
	return errors.Is(err, builtins.ErrFiltered) && strings.Contains(err.Error(), call+" is denied")
}

// alcove test 39 (filter): the root denies fork, a child denies getpid.
func TestFilterAlcove39(t *testing.T) {
	e, ctx := start(t)
	task := fork(t, e, ctx, nil)
	call(t, e, ctx, nil, "filter", []any{builtins.Const("fork")}, []any{})
	call(t, e, ctx, task, "filter", []any{"getpid"}, []any{})
	fork(t, e, ctx, task)
	if _, err := e.Call(ctx, nil, "fork", nil); !isFiltered(err, "fork") {
		t.Fatalf("fork [] after filter: %v, want filtered", err)
	}
	if _, err := e.Call(ctx, task, "getpid", nil); !isFiltered(err, "getpid") {
		t.Fatalf("getpid [task]: %v, want filtered", err)
	}
	call(t, e, ctx, nil, "getpid")
}

// alcove test 40 (filter1): allow-lists, and filters that only grow.
func TestFilter1Alcove40(t *testing.T) {
	e, ctx := start(t)
	allow := []any{"fork", "clone", "getpid"}
	call(t, e, ctx, nil, "filter", builtins.Record{"allow": allow}, builtins.Record{"deny": allow})
	task := fork(t, e, ctx, nil)
	call(t, e, ctx, task, "getcwd")
	if _, err := e.Call(ctx, task, "getpid", nil); !isFiltered(err, "getpid") {
		t.Fatalf("getpid [task]: %v, want filtered", err)
	}
	if _, err := e.Call(ctx, nil, "getcwd", nil); !isFiltered(err, "getcwd") {
		t.Fatalf("getcwd []: %v, want filtered", err)
	}
	call(t, e, ctx, task, "filter", builtins.Record{"allow": []any{}}, []any{})
	if _, err := e.Call(ctx, task, "getcwd", nil); !isFiltered(err, "getcwd") {
		t.Fatalf("getcwd [task] after allow []: %v, want filtered", err)
	}
}

// alcove test 41 (filter_nil): an empty child list changes nothing; a
// later one applies to children forked after it.
func TestFilterNilAlcove41(t *testing.T) {
	e, ctx := start(t)
	call(t, e, ctx, nil, "filter", builtins.Record{"allow": []any{"fork", "filter", "clone", "getpid"}}, []any{})
	c1 := fork(t, e, ctx, nil)
	call(t, e, ctx, c1, "getcwd")
	call(t, e, ctx, nil, "filter", []any{}, builtins.Record{"allow": []any{"getcwd"}})
	c2 := fork(t, e, ctx, nil)
	call(t, e, ctx, c2, "getcwd")
	if _, err := e.Call(ctx, c2, "getpid", nil); !isFiltered(err, "getpid") {
		t.Fatalf("getpid [c2]: %v, want filtered", err)
	}
	call(t, e, ctx, c1, "getpid")
}

func TestFilterBadName(t *testing.T) {
	e, ctx := start(t)
	_, err := e.Call(ctx, nil, "filter", []any{[]any{"nosuchcall"}})
	if err == nil || !strings.Contains(err.Error(), "no call named nosuchcall") {
		t.Fatalf("filter [nosuchcall]: %v", err)
	}
}
