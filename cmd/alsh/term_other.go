//go:build !linux

package main

import "os"

// isTerminal says whether f is a terminal. alsh's engine runs on Linux
// only; elsewhere a character device is taken for a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
