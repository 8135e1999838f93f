package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// Exit codes, the same for every command (DESIGN.md §6).
const (
	// ExitOK is success; for plan, no changes.
	ExitOK = 0
	// ExitError is a runtime, API or authentication error.
	ExitError = 1
	// ExitChanges means the plan has changes (only with --detailed-exitcode).
	ExitChanges = 2
	// ExitInvalid is an invalid configuration or bad usage.
	ExitInvalid = 3
	// ExitRefused is a refusal for safety: stale plan, mass-change guard,
	// plan that differs from the reviewed one.
	ExitRefused = 4
)

// exitMeaning is what the last stderr line says for each exit code.
func exitMeaning(code int) string {
	switch code {
	case ExitOK:
		return "success"
	case ExitError:
		return "runtime, API or authentication error"
	case ExitChanges:
		return "the plan has changes"
	case ExitInvalid:
		return "invalid configuration or usage"
	case ExitRefused:
		return "refused for safety"
	}
	return "unknown"
}

// env is everything a command may touch of the process: streams, the
// environment and the terminal test. Nothing below main reads os.* itself.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// isTerminal reports whether f is a terminal; nil means never.
	isTerminal func(f *os.File) bool
}

// terminal reports whether v is an *os.File that is a terminal.
func (e *env) terminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && e.isTerminal != nil && e.isTerminal(f)
}

// exitError carries an exit code other than ExitError with an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode wraps err so that run exits with code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// usageErrorf is a bad flag or argument: exit 3.
func usageErrorf(format string, args ...any) error {
	return withCode(ExitInvalid, fmt.Errorf(format, args...))
}

// errSilent is returned by a command that has already printed its error
// (for example the list of configuration problems) and only needs its code.
var errSilent = errors.New("")

// command is one subcommand: it parses its own flags from args.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"validate", "validate the configuration offline", runValidate},
		{"plan", "show the changes that would bring the live API to the configuration", runPlan},
		{"apply", "apply a reviewed plan, or plan and apply after confirmation", runApply},
		{"export", "print the live organization as CUE", runExport},
		{"emulator", "serve the built-in Cloudflare API emulator", runEmulator},
		{"action", "the GitHub Action's entry point", runAction},
		{"version", "print the version", runVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: ztsync <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'ztsync <command> -h' for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 success, 1 error, 2 changes (--detailed-exitcode), 3 invalid configuration or usage, 4 refused for safety.")
}

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		usage(e.stderr)
		return finish(e, ExitInvalid)
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "help" {
		usage(e.stdout)
		return ExitOK
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, e, args[1:])
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		code := ExitOK
		if err != nil {
			code = ExitError
			var ee *exitError
			if errors.As(err, &ee) {
				code = ee.code
			}
			if msg := err.Error(); msg != "" {
				fmt.Fprintf(e.stderr, "ztsync %s: %s\n", name, printable(msg, true))
			}
		}
		if name == "version" {
			return code
		}
		return finish(e, code)
	}
	fmt.Fprintf(e.stderr, "ztsync: unknown command %q\n\n", name)
	usage(e.stderr)
	return finish(e, ExitInvalid)
}

// printable escapes what must not reach a terminal or a CI log raw from an
// error message (which can carry file names and API text): control
// characters become \x1b-style escapes and bidirectional formatting
// characters \u202e-style ones, so no message can forge a line, a terminal
// escape or a GitHub workflow command. Newlines are kept only when
// keepNewlines is set (for messages that list several problems).
func printable(s string, keepNewlines bool) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\n' && keepNewlines, r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// finish prints the last stderr line, naming the exit code.
func finish(e *env, code int) int {
	fmt.Fprintf(e.stderr, "ztsync: exit %d (%s)\n", code, exitMeaning(code))
	return code
}

// newFlagSet returns a FlagSet for a command whose usage line is synopsis
// and whose example is example.
func newFlagSet(e *env, name, synopsis, example string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: ztsync %s\n\n", synopsis)
		fs.PrintDefaults()
		if example != "" {
			fmt.Fprintf(e.stderr, "\nexample:\n  %s\n", strings.TrimSpace(example))
		}
	}
	return fs
}

// parseFlags parses args and turns flag errors into usage errors (exit 3).
// It refuses positional arguments beyond maxArgs.
func parseFlags(fs *flag.FlagSet, args []string, maxArgs int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return withCode(ExitInvalid, errSilent)
	}
	if fs.NArg() > maxArgs {
		return usageErrorf("unexpected argument %q", fs.Arg(maxArgs))
	}
	return nil
}
