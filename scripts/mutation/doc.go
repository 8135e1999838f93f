// Command mutation measures how many deliberate bugs the tests catch, per
// package, and fails when a package scores under the threshold.
//
// It is not part of CI: it recompiles and tests each package once per
// mutant, which takes minutes per package. Run it through
// scripts/mutation.sh, which runs it at low priority:
//
//	scripts/mutation.sh planner applier cfapi loader
//
// Two kinds of mutants are made, and both count in the score:
//
//   - operator mutants from gremlins (github.com/go-gremlins/gremlins, at
//     the version pinned in gremlinsVersion, installed from the Go module
//     proxy into the user cache): arithmetic, comparison and boundary
//     flips, && <-> ||, continue <-> break, negations;
//   - branch mutants gremlins lacks, made here from the syntax tree: each
//     `if C {` whose block leaves (return, continue, break, goto, panic) or
//     collects an error gets `if (C) && false {`, i.e. the guard is
//     deleted; each `return true` / `return false` is flipped.
//
// Each package is mutated in its default scope (defaultScope: the files
// holding its decisions), or whole with -all; the report names the files.
//
// The oracle is `go test` of the mutant's own package (both kinds), so a
// package is only as strong as its own tests. A mutant that does not
// compile is "not viable" and does not count; one whose tests hang past
// the timeout counts as caught (a hang fails CI too).
//
// The score of a package is caught / (caught + lived) over both kinds.
// Mutants that cannot change behaviour (equivalent mutants) are listed,
// each with its reason, in equivalent.txt; they are reported, never
// counted. Gremlins' mutants of lines it reports as not covered do not
// count either; the report lists how many there were.
//
// The tree is copied to a scratch directory (the files git tracks, as
// they are in the work tree) before gremlins runs; branch mutants are
// applied with `go test -overlay`, so the work tree is never modified.
package main
