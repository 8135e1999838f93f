package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ztsync/ztsync/bench"
)

func main() {
	out := flag.String("out", "", "directory to write (created if missing)")
	accounts := flag.Int("accounts", 2000, "number of accounts")
	zones := flag.Int("zones", 8000, "number of zones")
	files := flag.Int("files", 1000, "number of files")
	templated := flag.Bool("templated", false, "write every scope unified with a #Baseline definition with defaults")
	invalid := flag.Int("invalid", 0, "break this many scopes (spread evenly; the first account always)")
	vet := flag.Bool("vet", false, "also write zz_schema.cue and zz_check.cue so that `cue vet -c` checks what ztsync checks")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gentree: -out is required")
		os.Exit(3)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gentree:", err)
		os.Exit(1)
	}
	f := bench.Fleet{Accounts: *accounts, Zones: *zones, Files: *files, Templated: *templated, Invalid: *invalid}
	if err := f.WriteTree(*out, *vet); err != nil {
		fmt.Fprintln(os.Stderr, "gentree:", err)
		os.Exit(1)
	}
	// The broken values, one per line: FILE:LINE:COL PATH.
	for _, fault := range f.Faults() {
		fmt.Println(fault.Position(*out), fault.Path)
	}
}
