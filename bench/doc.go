// Package bench holds ztsync's scale benchmarks and
// Fleet, the generator they share with the loader's tests (package
// bench/gentree: N accounts and M zones spread over F files, plain or
// templated, optionally with broken scopes; their CUE source and desired
// state) plus a matching live state in an emulator with a chosen fraction
// of resources that differ (Seed).
//
// The benchmarks (bench_test.go) are BenchmarkValidate10k, BenchmarkPlan1k,
// BenchmarkPlan10k and BenchmarkApply1k; run.sh runs them once each, adds a
// fresh-process peak-memory measurement of validate and the same tree under
// `cue vet`, and prints one table against the targets.
//
// The API budget benchmarks (budget_test.go: BenchmarkBudgetPlan700,
// BenchmarkBudgetPlan2000, BenchmarkBudgetPR1of1000,
// BenchmarkBudgetPRShared10) plan against the emulator enforcing
// Cloudflare's limit with 50 ms latency and the client's default flags;
// budget.sh (run last by run.sh) prints their table (docs/api-budget.md).
//
// The package is a test fixture: nothing in ztsync imports it.
package bench
