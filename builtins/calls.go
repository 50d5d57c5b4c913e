package builtins

//go:generate go run gen_calls.go

import "slices"

// Table is every call alsh knows: the one place a call is declared. Rows
// live in calls_<group>.go files, one slice per group; help lists them in
// this order. Nodes receive calls by their index here, so the driver and the
// nodes must come from the same build (they do: a node is the alsh binary).
var Table = slices.Concat(
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
)
