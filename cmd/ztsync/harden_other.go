//go:build !unix

package main

// noCoreDumps: there is no core file to turn off here.
func noCoreDumps() {}
