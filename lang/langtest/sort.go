package langtest

import "sort"

func sortProcs(list []*proc) {
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i].pipeline, list[j].pipeline
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return len(a) < len(b)
	})
}
