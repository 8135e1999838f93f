package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	interrupts := make(chan os.Signal, 2)
	signal.Notify(interrupts, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first Ctrl-C cancels ctx: apply finishes the request in
		// flight, starts nothing more and reports what was done.
		<-interrupts
		fmt.Fprintln(os.Stderr, "ztsync: interrupted: stopping after the request in flight (interrupt again to quit at once)")
		cancel()
		// A second one quits at once, saying that a write may have
		// happened, so no write goes unreported.
		<-interrupts
		fmt.Fprintln(os.Stderr, "ztsync: interrupted again: quitting now; a request in flight may have been applied: run plan to see the live state")
		fmt.Fprintf(os.Stderr, "ztsync: exit %d (%s)\n", ExitError, exitMeaning(ExitError))
		os.Exit(ExitError)
	}()
	code := run(ctx, os.Args[1:], &env{
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
