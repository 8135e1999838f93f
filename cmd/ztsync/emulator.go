package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
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

// emulatorHelp is the description `ztsync emulator --help` prints: the
// routes (read from the emulator itself), the authentication rules, the
// state format and the faults.
func emulatorHelp() string {
	var b strings.Builder
	b.WriteString(`Serves an in-memory stand-in for the Cloudflare API endpoints ztsync uses, so that
plan, apply and export can be tried without an account. plan, apply and export
also run it in-process with --emulator FILE.

Routes (everything else answers 404 "No route for the URI", code 7003):
`)
	for _, r := range emulator.New(emulator.Options{}).Routes() {
		b.WriteString("  " + r + "\n")
	}
	b.WriteString(`
Authentication: every request needs credentials, "Authorization: Bearer TOKEN" or
X-Auth-Email + X-Auth-Key. Without --token any value is accepted; with --token the
token (or key) must equal it. Otherwise 403, code 10000 "Authentication error".
Account and zone ids are 32 lowercase hex digits (otherwise 400, code 7003).

State (--state FILE): JSON, read at start (a missing file is an empty account) and
written after every change:
  {"accounts": {"<id>": {"organization": {...}, "doh": {...}}},
   "zones": {"<id>": {"organization": {...}}},
   "revocations": [{"scope": "accounts/<id>", "email": "...", "time": "..."}]}
examples/*/live.json are such files; copy one before serving it, since the
emulator rewrites it.

Faults: Go tests inject them (emulator.InjectFault) to drive retries:`)
	for _, k := range emulator.FaultKinds() {
		b.WriteString(" " + k.String())
	}
	b.WriteString(".\nDocumentation: " + emulator.DocsPath)
	return b.String()
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

// emulatorBanner is what the emulator says when it starts: where it
// listens, what it serves, which credentials it accepts, where its state
// is, and how to point ztsync at it.
func emulatorBanner(base string, opts emulatorOptions, fresh bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "listening on %s\n", base)
	if opts.budget.Unlimited() {
		b.WriteString("no request budget (--budget none)\n")
	} else {
		fmt.Fprintf(&b, "request budget %s per token, 429 and a block of one window past it (--budget)\n", opts.budget)
	}
	if opts.latency > 0 {
		fmt.Fprintf(&b, "latency %s added to every request (--latency)\n", opts.latency)
	}
	fmt.Fprintf(&b, "serving the Zero Trust organization, DoH and revoke_user routes of accounts and zones (ztsync emulator --help lists them; docs: %s)\n", emulator.DocsPath)
	if opts.state == "" {
		b.WriteString("state: in memory only, starting from an empty account (--state FILE keeps it)\n")
	} else if fresh {
		fmt.Fprintf(&b, "state: %s does not exist yet: starting from an empty account; it is written after every change\n", opts.state)
	} else {
		fmt.Fprintf(&b, "state: %s, written after every change\n", opts.state)
	}
	if opts.token == "" {
		fmt.Fprintf(&b, "accepting any credentials (a Bearer token, or X-Auth-Email + X-Auth-Key); try: CLOUDFLARE_BASE_URL=%s CLOUDFLARE_API_TOKEN=any ztsync plan --dir DIR\n", base)
	} else {
		fmt.Fprintf(&b, "accepting only the --token value (as a Bearer token or as X-Auth-Key); try: CLOUDFLARE_BASE_URL=%s CLOUDFLARE_API_TOKEN=<the --token value> ztsync plan --dir DIR\n", base)
	}
	return b.String()
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
	fresh := false
	if opts.state != "" {
		_, statErr := os.Stat(opts.state)
		fresh = errors.Is(statErr, fs.ErrNotExist)
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
	fmt.Fprint(e.stderr, emulatorBanner(base, opts, fresh))

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
