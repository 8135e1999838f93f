package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
)

// docsURL is where the user documentation lives; help texts name its files
// (docs/cli.md, docs/emulator.md, ...), which are in the repository.
const docsURL = "https://github.com/ztsync/ztsync/tree/main/docs"

// longHelp holds what `ztsync CMD --help` prints between the usage line and
// the flags, for the commands that need more than a synopsis.
func longHelp(name string) string {
	switch name {
	case "emulator":
		return emulatorHelp()
	case "plan":
		return "Reads the configuration in --dir, reads the live settings it declares from the API\n" +
			"(or the emulator), and prints what apply would change. --out also writes the plan\n" +
			"file that `ztsync apply PLANFILE` applies; the plan records which API it was made\n" +
			"against, and apply refuses it elsewhere."
	case "apply":
		return "With PLANFILE, applies exactly that plan after re-reading every resource it\n" +
			"changes (a plan whose resources moved is refused, exit 4). Without PLANFILE, plans\n" +
			"--dir and applies after confirmation. The plan file must be applied against the\n" +
			"API it was made against: pass the same --emulator or --base-url."
	}
	return ""
}

// printUsage prints a command's help: usage line, description, flags (as
// --name) and example.
func printUsage(w io.Writer, fs *flag.FlagSet, synopsis, example string) {
	fmt.Fprintf(w, "usage: ztsync %s\n", synopsis)
	if long := longHelp(fs.Name()); long != "" {
		fmt.Fprintf(w, "\n%s\n", long)
	}
	var flags []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f) })
	if len(flags) > 0 {
		fmt.Fprintln(w, "\nflags:")
	}
	for _, f := range flags {
		arg, use := flag.UnquoteUsage(f)
		head := "  --" + f.Name
		if arg != "" {
			head += " " + arg
		}
		fmt.Fprintln(w, head)
		if !isZeroDefault(f) {
			use += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "        %s\n", strings.ReplaceAll(use, "\n", "\n        "))
	}
	if example != "" {
		fmt.Fprintf(w, "\nexample:\n  %s\n", strings.TrimSpace(example))
	}
	fmt.Fprintf(w, "\nExit codes: 0 success, 1 error, 2 changes (plan --detailed-exitcode), 3 invalid configuration or usage, 4 refused for safety.\nDocumentation: docs/cli.md (%s)\n", docsURL)
}

// isZeroDefault reports whether f's default is its type's zero value, which
// help does not print.
func isZeroDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "false", "0s", "[]":
		return true
	}
	return false
}

// flagNames lists fs's flag names.
func flagNames(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// nearest returns the candidate closest to s, when one is close enough to
// be what was meant (an edit distance of at most a third of its length, at
// least 2, or a candidate that s is a prefix of); "" otherwise.
func nearest(s string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := levenshtein.ComputeDistance(strings.ToLower(s), c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(2, len(s)/3)
	if bestDist >= 0 && bestDist <= limit {
		return best
	}
	for _, c := range candidates {
		if len(s) >= 2 && strings.HasPrefix(c, s) {
			return c
		}
	}
	return ""
}

// flagError turns err, an error of fs.Parse(args), into one that says
// what to do: the nearest flag for an unknown one, and where the command's
// flags are listed.
func flagError(fs *flag.FlagSet, args []string, err error) error {
	msg := err.Error()
	if name, ok := unknownFlag(fs, args); ok {
		msg = fmt.Sprintf("unknown flag --%s", name)
		if s := nearest(name, flagNames(fs)); s != "" {
			msg += fmt.Sprintf("; did you mean --%s?", s)
		}
	}
	return usageErrorf("%s (ztsync %s --help lists its flags)", msg, fs.Name())
}

// unknownFlag returns the name of the first flag in args that fs does not
// define, reading args as the flag package does: "-name", "--name" or
// "--name=value"; a flag that takes a value and has no "=" takes the next
// argument; "--", "-" or the first other argument ends the flags.
func unknownFlag(fs *flag.FlagSet, args []string) (string, bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || len(a) < 2 || a[0] != '-' {
			return "", false
		}
		name, _, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		if name == "" || name[0] == '-' {
			return "", false // "---x", "-=x": a syntax error, not a name
		}
		f := fs.Lookup(name)
		if f == nil {
			return name, true
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && b.IsBoolFlag()) {
			i++ // the flag's value
		}
	}
	return "", false
}

// unknownCommand is the error for a command name that does not exist.
func unknownCommand(name string) error {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if s := nearest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return usageErrorf("%s (ztsync --help lists the commands)", msg)
}

// runHelp is `ztsync help [CMD]`: the command's help on stdout, or the
// list of commands.
func runHelp(ctx context.Context, e *env, args []string) int {
	switch {
	case len(args) == 0, len(args) == 1 && args[0] == "help":
		usage(e.stdout)
		return ExitOK
	case len(args) > 1:
		fmt.Fprintf(e.stderr, "ztsync help: give one command, not %d\n", len(args))
		return finish(e, ExitInvalid)
	}
	if !slices.ContainsFunc(commands(), func(c command) bool { return c.name == args[0] }) {
		fmt.Fprintf(e.stderr, "ztsync help: %v\n", unknownCommand(args[0]))
		return finish(e, ExitInvalid)
	}
	return run(ctx, []string{args[0], "--help"}, e)
}
