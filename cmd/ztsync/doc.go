// Command ztsync keeps Cloudflare Zero Trust organization settings in git:
// it validates CUE configuration, plans changes against the live API and
// applies reviewed plans. See README.md and docs/.
//
// main only wires: it hands the process's arguments, streams, environment
// and signals to run, and exits with what run returns.
//
// Every command lives in its own file (validate.go, plan.go, apply.go,
// export.go, emulator.go, action.go, version.go) as a run<Command>
// function that parses its own flag.FlagSet and receives its streams and
// environment through env, so tests run the whole command line in-process.
// run.go holds the dispatch. The plan pipeline (load, fetch, build), the
// API flags plan, apply and export share, and the exit codes live in
// package pipeline; the GitHub Action's flow in package ghaction, which
// action.go only hands the step's environment to.
package main
