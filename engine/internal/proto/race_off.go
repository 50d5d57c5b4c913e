//go:build !race

package proto

const RaceEnabled = false
