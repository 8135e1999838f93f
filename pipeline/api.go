package pipeline

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http/httptest"
	"os"
	"time"

	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/filelock"
	"github.com/ztsync/ztsync/safetext"
)

// minRateLimit is the slowest --rate-limit accepted (one request a
// minute); a slower one would look like a hang.
const minRateLimit = 1.0 / 60

// APIFlags are the API flags plan, apply, export and the Action's args
// input share (docs/cli.md).
type APIFlags struct {
	baseURL string
	// Concurrency is how many API requests are in flight at once.
	Concurrency int
	// Terminal says stderr is a terminal: API waits show as a countdown
	// on one line there, and as a line every 10 s elsewhere (CI logs).
	Terminal   bool
	budget     cfapi.Budget
	rateLimit  float64
	maxRetries int
	timeout    time.Duration
	emulator   string
	debug      bool

	fs *flag.FlagSet
}

// AddAPIFlags registers the API flags on fs.
func AddAPIFlags(fs *flag.FlagSet) *APIFlags {
	c := &APIFlags{fs: fs, budget: cfapi.DefaultBudget()}
	fs.StringVar(&c.baseURL, "base-url", "", "Cloudflare API base URL (default $CLOUDFLARE_BASE_URL or "+cfapi.DefaultBaseURL+")")
	fs.IntVar(&c.Concurrency, "concurrency", 8, "API requests in flight at once")
	fs.Var(BudgetValue{B: &c.budget}, "api-budget", "at most `N/DURATION` API requests in any sliding window, as Cloudflare counts (its limit: 1200/5m per user; none = only Cloudflare's headers)")
	fs.Float64Var(&c.rateLimit, "rate-limit", 0, "extra pace in API requests per second, across all workers (0 = none: the budget paces)")
	fs.IntVar(&c.maxRetries, "max-retries", 4, "retries of a failed API request (429, 5xx, network errors)")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout of one API request, and the longest Retry-After of a 429 to wait for (a Cloudflare block lasts up to 5m)")
	fs.StringVar(&c.emulator, "emulator", "", "use the built-in API emulator with its state in `FILE` (created if missing) instead of Cloudflare")
	fs.BoolVar(&c.debug, "debug", false, "log every API request and response to stderr (credentials redacted)")
	return c
}

// check refuses flag values that make no sense.
func (c *APIFlags) check() error {
	switch {
	case c.Concurrency < 1:
		return Usagef("--concurrency must be at least 1, not %d", c.Concurrency)
	case math.IsNaN(c.rateLimit) || math.IsInf(c.rateLimit, 0) || c.rateLimit < 0 || (c.rateLimit > 0 && c.rateLimit < minRateLimit):
		return Usagef("--rate-limit must be 0 (unlimited) or a finite number of requests per second from 1/60 (one a minute) up, not %s", Number(c.rateLimit))
	case c.emulator != "" && c.Set("base-url"):
		return Usagef("--base-url and --emulator exclude each other: the emulator is the API")
	case c.Set("emulator") && c.emulator == "":
		// An empty --emulator "$STATE" must never fall through to the real API.
		return Usagef("--emulator needs a state file; to talk to Cloudflare, leave the flag out")
	case c.maxRetries < 0:
		return Usagef("--max-retries must not be negative")
	case c.timeout <= 0:
		return Usagef("--timeout must be positive")
	}
	return nil
}

// Set reports whether the flag called name was given on the command line.
func (c *APIFlags) Set(name string) bool {
	found := false
	c.fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}

// Session is a connection to the Cloudflare API or to an in-process
// emulator.
type Session struct {
	// Client is the API client every command uses.
	Client *cfapi.Client

	emu       *emulator.Emulator
	server    *httptest.Server
	stateFile string
	lock      *filelock.Lock // held on the state file from load to Close
	waits     *waitReporter
}

// Connect builds the API client from the flags and the environment (getenv): with
// --emulator, an in-process emulator whose state lives in the file;
// otherwise Cloudflare (or --base-url / CLOUDFLARE_BASE_URL) with the
// credentials from CLOUDFLARE_API_TOKEN or CLOUDFLARE_API_KEY +
// CLOUDFLARE_EMAIL.
func (c *APIFlags) Connect(ctx context.Context, getenv func(string) string, stderr io.Writer) (*Session, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if w := budgetWarning(c.budget); w != "" {
		fmt.Fprintln(stderr, w)
	}
	opts := cfapi.Options{
		BaseURL:    c.baseURL,
		Token:      getenv("CLOUDFLARE_API_TOKEN"),
		APIKey:     getenv("CLOUDFLARE_API_KEY"),
		Email:      getenv("CLOUDFLARE_EMAIL"),
		Budget:     c.budget,
		RateLimit:  c.rateLimit,
		MaxRetries: c.maxRetries,
		Timeout:    c.timeout,
	}
	opts.BaseURL = cmp.Or(opts.BaseURL, getenv("CLOUDFLARE_BASE_URL"))
	if c.debug {
		opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s := &Session{waits: newWaitReporter(stderr, c.Terminal)}
	opts.OnWait = s.waits.onWait
	if c.emulator != "" {
		// The in-process emulator enforces Cloudflare's own limit.
		s.emu = emulator.New(emulator.Options{Limit: emulator.Limit(cfapi.CloudflareLimit())})
		if _, err := os.Stat(c.emulator); errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stderr, "note: emulator state %s does not exist: starting from an empty account (no organizations); apply creates the file\n", c.emulator)
		}
		// One command at a time on a state file, which it reads under
		// the lock: two applies never erase each other's changes.
		lock, err := filelock.Acquire(ctx, c.emulator+".lock", func() {
			fmt.Fprintf(stderr, "Waiting for another ztsync using %s to finish...\n", c.emulator)
		})
		if err != nil {
			return nil, fmt.Errorf("emulator state %s: %w", c.emulator, err)
		}
		s.lock = lock
		if err := s.emu.LoadFile(c.emulator); err != nil {
			s.Close()
			return nil, WithCode(ExitInvalid, fmt.Errorf("emulator state %s: %w", c.emulator, err))
		}
		s.stateFile = c.emulator
		s.server = httptest.NewServer(s.emu)
		opts.BaseURL = s.server.URL + emulator.PathPrefix
		if opts.Token == "" && opts.APIKey == "" {
			opts.Token = "emulator"
		}
	} else if opts.Token == "" {
		switch {
		case opts.APIKey != "" && opts.Email == "":
			return nil, errors.New("CLOUDFLARE_API_KEY is set but CLOUDFLARE_EMAIL is not: a global API key needs its account's email (or use CLOUDFLARE_API_TOKEN)")
		case opts.APIKey == "" && opts.Email != "":
			return nil, errors.New("CLOUDFLARE_EMAIL is set but CLOUDFLARE_API_KEY is not (or use CLOUDFLARE_API_TOKEN)")
		case opts.APIKey == "":
			return nil, errors.New("no Cloudflare credentials: set CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL), or try it with --emulator FILE")
		}
	}
	client, err := cfapi.New(opts)
	if err != nil {
		s.Close()
		return nil, WithCode(ExitInvalid, err)
	}
	s.Client = client
	return s, nil
}

// Save writes the emulator's state back to its file; it does nothing when
// talking to Cloudflare.
func (s *Session) Save() error {
	if s == nil || s.emu == nil {
		return nil
	}
	if err := s.emu.SaveFile(s.stateFile); err != nil {
		return fmt.Errorf("write emulator state %s: %w", s.stateFile, err)
	}
	return nil
}

// Close stops the wait progress and the in-process emulator, if any.
func (s *Session) Close() {
	if s == nil {
		return
	}
	if s.waits != nil {
		s.waits.close()
	}
	if s.server != nil {
		s.server.Close()
	}
	_ = s.lock.Release() // removing the lock file; the lock itself always goes
}

// Endpoint names where the flags and getenv point the API at, for a
// header: "emulator", the base URL (as given, user info and query
// redacted), or Cloudflare's.
func (c *APIFlags) Endpoint(getenv func(string) string) string {
	switch {
	case c.emulator != "":
		return "emulator"
	case c.baseURL != "":
		return safetext.RedactURL(c.baseURL)
	case getenv("CLOUDFLARE_BASE_URL") != "":
		return safetext.RedactURL(getenv("CLOUDFLARE_BASE_URL"))
	}
	return cfapi.DefaultBaseURL
}
