package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ztsync/ztsync/cfapi/emulator"
)

// shutdownGrace bounds how long the emulator waits for requests in flight
// when it stops.
const shutdownGrace = 5 * time.Second

// emulatorOptions are the flags of `ztsync emulator`.
type emulatorOptions struct {
	addr  string
	state string
	token string
}

// runEmulator serves the Cloudflare API emulator until ctx is cancelled
// (Ctrl-C): `ztsync emulator [--addr] [--state FILE] [--token TOKEN]`.
func runEmulator(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "emulator", "emulator [--addr HOST:PORT] [--state FILE] [--token TOKEN]",
		"cp examples/quickstart/live.json /tmp/live.json && ztsync emulator --state /tmp/live.json")
	var opts emulatorOptions
	fs.StringVar(&opts.addr, "addr", "127.0.0.1:8787", "`address` to listen on (port 0 picks a free port)")
	fs.StringVar(&opts.state, "state", "", "JSON state `file`: read at start (missing = empty) and written after every change")
	fs.StringVar(&opts.token, "token", "", "the API `token` (or API key) to require; default: accept any credentials")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
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
	emu = emulator.New(emulator.Options{Token: opts.token, Logger: logger, OnChange: onChange})
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
