package builtins

//go:generate go run gen_table.go
//go:generate go run gen_calls.go

// tableGroups are the groups of calls in Table's order, which help lists
// them in: gen_table copies their rows into Table (ztable.go).
var tableGroups = [][]Call{
	processCalls,
	credentialCalls,
	environmentCalls,
	filesystemCalls,
	fdCalls,
	limitCalls,
	namespaceCalls,
	constantCalls,
	stdioCalls,
	controlCalls,
	securityCalls,
	capabilityCalls, seccompCalls, landlockCalls,
	cgroupCalls, networkCalls, pidfdCalls,
	terminalCalls,
}
