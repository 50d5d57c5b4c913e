//go:build race

package proto

// RaceEnabled: the race detector's runtime cannot be reasoned about in a
// child that runs no Go runtime, so a race build forks full nodes.
const RaceEnabled = true
