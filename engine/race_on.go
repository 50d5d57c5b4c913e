//go:build race

package engine

// raceEnabled: the race detector's runtime cannot be reasoned about in a
// child that runs no Go runtime, so a race build forks full nodes.
const raceEnabled = true
