package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/pipeline"
)

// shutdownGrace bounds how long the emulator waits for requests in flight
// when it stops.
const shutdownGrace = 5 * time.Second

// emulatorOptions are the flags of `ztsync emulator`.
type emulatorOptions struct {
	addr    string
	state   string
	token   string
	budget  cfapi.Budget
	latency time.Duration
}

// runEmulator serves the Cloudflare API emulator until ctx is cancelled
// (Ctrl-C): `ztsync emulator [--addr] [--state FILE] [--token TOKEN]`.
func runEmulator(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "emulator", "emulator [--addr HOST:PORT] [--state FILE] [--token TOKEN] [--budget N/DURATION] [--latency D]",
		"cp examples/quickstart/live.json /tmp/live.json && ztsync emulator --state /tmp/live.json")
	opts := emulatorOptions{budget: cfapi.CloudflareLimit()}
	fs.StringVar(&opts.addr, "addr", "127.0.0.1:8787", "`address` to listen on (port 0 picks a free port)")
	fs.StringVar(&opts.state, "state", "", "JSON state `file`: read at start (missing = empty) and written after every change")
	fs.StringVar(&opts.token, "token", "", "the API `token` (or API key) to require; default: accept any credentials")
	fs.Var(pipeline.BudgetValue{B: &opts.budget}, "budget", "requests per user (token) allowed in any sliding window, as `N/DURATION`; past it 429 and a block of one window, as Cloudflare does (none = no limit)")
	fs.DurationVar(&opts.latency, "latency", 0, "delay every answer by `D` (50ms is a typical round trip to Cloudflare)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if opts.latency < 0 {
		return usageErrorf("--latency must not be negative")
	}
	return serveEmulator(ctx, e, opts)
}

func serveEmulator(ctx context.Context, e *env, opts emulatorOptions) error {
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	var emu *emulator.Emulator
	onChange := func() {}
	if opts.state != "" {
		onChange = func() {
			if err := emu.SaveFile(opts.state); err != nil {
				logger.Error("save state", "file", opts.state, "err", err)
			}
		}
	}
	emu = emulator.New(emulator.Options{Token: opts.token, Logger: logger, OnChange: onChange,
		Limit: emulator.Limit(opts.budget), Latency: opts.latency})
	if opts.state != "" {
		if err := emu.LoadFile(opts.state); err != nil {
			return withCode(ExitInvalid, err)
		}
	}

	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           emu,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		// Requests end with the command: injected latency stops waiting.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	base := "http://" + ln.Addr().String() + emulator.PathPrefix
	fmt.Fprintf(e.stderr, "listening on %s\n", base)
	if opts.budget.Unlimited() {
		fmt.Fprintln(e.stderr, "no request budget (--budget none)")
	} else {
		fmt.Fprintf(e.stderr, "request budget %s per token, 429 and a block of one window past it (--budget)\n", opts.budget)
	}
	if opts.token == "" {
		fmt.Fprintf(e.stderr, "accepting any credentials; try: CLOUDFLARE_BASE_URL=%s CLOUDFLARE_API_TOKEN=any ztsync plan\n", base)
	} else {
		fmt.Fprintf(e.stderr, "requiring the --token value; try: CLOUDFLARE_BASE_URL=%s ztsync plan\n", base)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	fmt.Fprintln(e.stderr, "stopped")
	return nil
}
