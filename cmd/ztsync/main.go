package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// The first Ctrl-C cancels ctx: apply finishes the request in flight,
	// starts nothing more and reports. Once ctx is done the default signal
	// handling is restored, so a second Ctrl-C ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], &env{
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		getenv: os.Getenv,
		isTerminal: func(f *os.File) bool {
			st, err := f.Stat()
			return err == nil && st.Mode()&os.ModeCharDevice != 0
		},
	})
	stop()
	os.Exit(code)
}
