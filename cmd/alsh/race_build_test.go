//go:build race

package main

// raceBuild: under the race detector the binary is linked dynamically and
// has no proto-node, so each fork executes the binary's copy at once.
const raceBuild = true
