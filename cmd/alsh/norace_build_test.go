//go:build !race

package main

// raceBuild: see race_build_test.go.
const raceBuild = false
