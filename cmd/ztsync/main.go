package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

// readOnlyGrace is how long a command that writes nothing (validate, plan,
// export) has to stop after an interrupt before it is ended.
const readOnlyGrace = time.Second

func main() {
	hardenProcess()
	args := os.Args[1:]
	ctx, cancel := context.WithCancel(context.Background())
	interrupts := make(chan os.Signal, 2)
	signal.Notify(interrupts, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-interrupts
		cancel()
		if !mayWrite(args) {
			// Nothing is written: stop within a second, whatever the
			// command is busy with.
			fmt.Fprintln(os.Stderr, "ztsync: interrupted: stopping")
			select {
			case <-time.After(readOnlyGrace):
			case <-interrupts:
			}
			exitInterrupted("nothing was written")
		}
		// The first Ctrl-C or SIGTERM cancels ctx: apply finishes the
		// request in flight, starts nothing more and reports what was
		// done.
		fmt.Fprintln(os.Stderr, "ztsync: interrupted: stopping after the request in flight (interrupt again to quit at once)")
		// A second one quits at once, saying that a write may have
		// happened, so no write goes unreported.
		<-interrupts
		exitInterrupted("a request in flight may have been applied: run plan to see the live state")
	}()
	code := run(ctx, args, &env{
		stdin:      os.Stdin,
		stdout:     os.Stdout,
		stderr:     os.Stderr,
		getenv:     os.Getenv,
		isTerminal: isTerminalFile,
	})
	signal.Stop(interrupts)
	cancel()
	os.Exit(code)
}

// mayWrite reports whether the command line may write to the API: apply,
// and the Action (whose apply command does).
func mayWrite(args []string) bool {
	return len(args) > 0 && (args[0] == "apply" || args[0] == "action")
}

func exitInterrupted(what string) {
	fmt.Fprintf(os.Stderr, "ztsync: interrupted: quitting now; %s\n", what)
	fmt.Fprintf(os.Stderr, "ztsync: exit %d (%s)\n", ExitError, exitMeaning(ExitError))
	os.Exit(ExitError)
}

// hardenProcess keeps a crash from exiting with a code ztsync documents.
// The Go runtime exits 2 on a fatal error or a panic no one recovered (out
// of memory, a panic in another goroutine), the code plan
// --detailed-exitcode gives to "the plan has changes". With the "crash"
// traceback level it aborts instead (SIGABRT: a shell sees 134), after
// printing every goroutine's stack; core files are turned off first, as
// they would hold the credentials. Panics in the command itself are
// recovered by run (exit 1).
func hardenProcess() {
	noCoreDumps()
	debug.SetTraceback("crash")
}
