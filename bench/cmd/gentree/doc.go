// Command gentree writes the benchmark configuration tree (bench.Fleet) to
// a directory, optionally with the schema copied in for `cue vet`, and
// prints the values it broke on purpose (-invalid), one per line as
// FILE:LINE:COL PATH.
//
//	go run ./bench/cmd/gentree -out DIR [-accounts 2000 -zones 8000 -files 1000] [-templated] [-invalid N] [-vet]
package main
