package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"golang.org/x/term"

	"github.com/ztsync/ztsync/pipeline"
	"github.com/ztsync/ztsync/safetext"
)

// Exit codes, the same for every command (docs/cli.md); package pipeline
// defines them for the packages that return them.
const (
	ExitOK      = pipeline.ExitOK
	ExitError   = pipeline.ExitError
	ExitChanges = pipeline.ExitChanges
	ExitInvalid = pipeline.ExitInvalid
	ExitRefused = pipeline.ExitRefused
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

// isTerminalFile reports whether f is a terminal: not merely a character
// device (/dev/null is one too, and apply must treat it as a pipe).
func isTerminalFile(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// terminal reports whether v is an *os.File that is a terminal.
func (e *env) terminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && e.isTerminal != nil && e.isTerminal(f)
}

// withCode wraps err so that run exits with code.
func withCode(code int, err error) error { return pipeline.WithCode(code, err) }

// usageErrorf is a bad flag or argument: exit 3.
func usageErrorf(format string, args ...any) error { return pipeline.Usagef(format, args...) }

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
		{"version", "print the version and commit", runVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: ztsync <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-9s %s\n", "help", "print a command's help (ztsync help plan)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'ztsync <command> --help' (or 'ztsync help <command>') for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 success, 1 error, 2 changes (--detailed-exitcode), 3 invalid configuration or usage, 4 refused for safety.")
}

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		usage(e.stderr)
		return finish(e, ExitInvalid)
	}
	name := args[0]
	switch name {
	case "-h", "--help":
		usage(e.stdout)
		return ExitOK
	case "help":
		return runHelp(ctx, e, args[1:])
	case "--version", "-version":
		name = "version"
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := runRecovered(ctx, e, c.run, args[1:])
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		code := pipeline.Code(err)
		var reported *pipeline.Reported
		if err != nil && !errors.As(err, &reported) {
			fmt.Fprintf(e.stderr, "ztsync %s: %s\n", name, safetext.Lines(secrets(e).Scrub(err.Error())))
		}
		return finish(e, code)
	}
	if strings.HasPrefix(name, "-") {
		bare := strings.ToLower(strings.TrimLeft(name, "-"))
		s := nearest(bare, []string{"help", "version"})
		if bare == "v" {
			s = "version" // -v, -V: what other tools print their version with
		}
		if s != "" {
			fmt.Fprintf(e.stderr, "ztsync: unknown flag %s; did you mean --%s? (ztsync --help lists the commands)\n", name, s)
			return finish(e, ExitInvalid)
		}
		fmt.Fprintf(e.stderr, "ztsync: %s comes before a command; flags follow the command (ztsync plan --dir DIR)\n\n", name)
		usage(e.stderr)
		return finish(e, ExitInvalid)
	}
	fmt.Fprintf(e.stderr, "ztsync: %v\n", unknownCommand(name))
	return finish(e, ExitInvalid)
}

// runRecovered runs a command, turning a panic into an error (exit 1) that
// says it is a bug, so that no panic exits with a documented code.
func runRecovered(ctx context.Context, e *env, cmd func(context.Context, *env, []string) error, args []string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error (a bug in ztsync; please report it with this message): panic: %v\n%s", r, debug.Stack())
		}
	}()
	return cmd(ctx, e, args)
}

// secrets scrubs the credentials of the environment: the last defence for
// an error message that carries one (each package scrubs its own first).
func secrets(e *env) *safetext.Scrubber {
	return safetext.NewScrubber(e.getenv("CLOUDFLARE_API_TOKEN"), e.getenv("CLOUDFLARE_API_KEY"),
		e.getenv("GITHUB_TOKEN"), e.getenv("INPUT_GITHUB-TOKEN"))
}

// finish prints the last stderr line, naming the exit code, when the
// command did not succeed; success says nothing more.
func finish(e *env, code int) int {
	if code != ExitOK {
		fmt.Fprintf(e.stderr, "ztsync: exit %d (%s)\n", code, exitMeaning(code))
	}
	return code
}

// newFlagSet returns a FlagSet for a command whose usage line is synopsis
// and whose example is example. -h and --help print the command's help on
// stdout; a bad flag is a usage error that names the nearest flag.
func newFlagSet(e *env, name, synopsis, example string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parseFlags reports errors itself
	fs.Usage = func() { printUsage(e.stdout, fs, synopsis, example) }
	return fs
}

// parseFlags parses args and turns flag errors into usage errors (exit 3).
// It refuses positional arguments beyond maxArgs.
func parseFlags(fs *flag.FlagSet, args []string, maxArgs int) error {
	usage := fs.Usage
	fs.Usage = func() {} // the flag package calls it on errors too
	err := fs.Parse(args)
	fs.Usage = usage
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return err
		}
		return flagError(fs, args, err)
	}
	if fs.NArg() > maxArgs {
		if maxArgs == 0 {
			return usageErrorf("unexpected argument %q: ztsync %s takes no arguments (ztsync %s --help)", fs.Arg(maxArgs), fs.Name(), fs.Name())
		}
		return usageErrorf("unexpected argument %q", fs.Arg(maxArgs))
	}
	return nil
}
