// Package gentree is the one generator of large ztsync configurations, for
// the loader's tests and the benchmarks alike: Fleet describes N accounts
// and M zones spread over F files, written plainly (concrete values only)
// or templated (every scope unified with a #Baseline definition that
// carries defaults, as teams write them), optionally with some scopes
// broken at known FILE:LINE:COL. It gives their CUE source (Tree,
// WriteTree), the desired state they declare as a schema.Config (Config),
// and the live state the API would answer for it (LiveAccount, LiveZone).
//
// It imports only package schema, so that the loader's internal tests and
// package bench can both use it without an import cycle.
package gentree
