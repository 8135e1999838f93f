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
// counted. A line there names a mutant by file, kind and source line; a
// branch mutant's line may add the function and the ordinal of that
// source line in it ("tree 3": the third), where one text (if err != nil
// {) holds both reachable and unreachable guards.
//
// One mutant at a time by default. On a busy machine, -workers N tests N
// mutants at once (gremlins' --workers, and N branch mutants; raise
// -timeout-coefficient with it) and -concurrent runs gremlins alongside
// the branch mutants (each mutant still has its own go test run, so
// results do not change; only the wall time does).
//
// Re-checking a survivor: -match picks branch mutants by "FILE:LINE KIND:
// text", and -run limits each mutant's go test to the tests named, which
// shows in seconds whether a new test kills it. A score measured with
// -run is not the package's score; report only full runs.
//
// Branch mutants are tested with go test -short (-short=false to turn it
// off; gremlins runs the whole suite). A test may skip under
// testing.Short() only when it is about scale, not about a rule (the
// loader's 100,000-file cap: the rule is also tested at small sizes);
// such tests still run in CI's go test ./...; a score measured with
// -short is a lower bound of the full suite's. Gremlins' mutants of lines it reports as not covered do not
// count either; the report lists how many there were.
//
// The tree is copied to a scratch directory (the files git tracks, as
// they are in the work tree) before gremlins runs; branch mutants are
// applied with `go test -overlay`, so the work tree is never modified.
package main
