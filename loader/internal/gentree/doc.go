// Package gentree generates large, valid ztsync configurations for
// benchmarks: a given number of accounts and zones spread over a given
// number of files, every file with the same package clause so that the
// tree is also one package for `cue vet`.
package gentree
