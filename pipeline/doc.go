// Package pipeline is the one plan pipeline the command line (plan, apply
// without a plan file) and the GitHub Action (package ghaction) share:
//
//	load → select scope → connect → fetch → build
//
// Plan loads the configuration (Load), loads the base revision for
// revocations (LoadBase), connects to the Cloudflare API or the built-in
// emulator (APIFlags.Connect), reads the live state of the selected
// resources (planner.Fetch) and builds the plan (planner.Build). Rendering
// is the caller's: the command line prints text, JSON or Markdown, the
// Action a comment and a step summary.
//
// It also holds what every entry point shares about outcomes: the exit
// codes (ExitOK … ExitRefused) and the error that carries one (WithCode,
// Code), the API flags (AddAPIFlags), and the text helpers that keep
// configuration problems and server text printable.
//
// Nothing here touches the process: the environment comes in as a getenv
// function and the streams as writers.
package pipeline
