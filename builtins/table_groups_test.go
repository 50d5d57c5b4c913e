package builtins

import (
	"reflect"
	"slices"
	"testing"
)

// Table, which go generate writes (ztable.go), is the rows of tableGroups
// in order, each marked RuntimeFree when runtimeFree names it.
func TestTableIsItsGroupsRows(t *testing.T) {
	var want []Call
	for _, g := range tableGroups {
		for _, c := range g {
			c.RuntimeFree = slices.Contains(runtimeFree, c.Name)
			want = append(want, c)
		}
	}
	if len(Table) != len(want) {
		t.Fatalf("Table has %d rows, its groups %d: run go generate ./builtins/", len(Table), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(Table[i], want[i]) {
			t.Errorf("Table[%d] is %+v, its group's row %+v: run go generate ./builtins/", i, Table[i], want[i])
		}
	}
	for _, name := range runtimeFree {
		if c, ok := Lookup(name); !ok || !c.RuntimeFree {
			t.Errorf("runtimeFree names %s, which Table does not mark", name)
		}
	}
}
