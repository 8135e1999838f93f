// Package bench holds ztsync's scale benchmarks (DESIGN.md §9, issue 7) and
// the generator they share: Fleet describes N accounts and M zones spread
// over F files, and gives their CUE source (Tree, WriteTree), the same
// desired state as a schema.Config (Config), and a matching live state in
// an emulator with a chosen fraction of resources that differ (Seed).
//
// The benchmarks (bench_test.go) are BenchmarkValidate10k, BenchmarkPlan1k,
// BenchmarkPlan10k and BenchmarkApply1k; run.sh runs them once each, adds a
// fresh-process peak-memory measurement of validate and the same tree under
// `cue vet`, and prints one table against the targets.
//
// The package is a test fixture: nothing in ztsync imports it.
package bench
