package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/loader"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// StringList is a repeatable string flag (--target).
type StringList []string

// String is the values joined with commas, as flag.Value wants.
func (l *StringList) String() string { return strings.Join(*l, ",") }

// Set appends v.
func (l *StringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// Request is one run of the plan pipeline.
type Request struct {
	// Dir is the configuration directory.
	Dir string
	// SourceDir, when set, is the directory as the plan names it
	// (source.dir) instead of Dir: the Action names it relative to the
	// repository root, wherever the repository was checked out.
	SourceDir string
	// Loaded is the configuration already loaded from Dir (the Action
	// validates first); nil loads it.
	Loaded *loader.Result
	// Base is the git revision whose configuration the revocations are
	// compared with; "" plans no revocations.
	Base string
	// Targets narrows the plan to these addresses or address prefixes.
	Targets []string
	// Scope chooses the scopes read: with Base, by default only those
	// whose evaluated configuration changed since Base (scope.go).
	Scope ScopeFlags
	// API connects to Cloudflare or the emulator.
	API *APIFlags
	// Getenv reads the credentials (CLOUDFLARE_*).
	Getenv func(string) string
	// Log receives notes, warnings and configuration problems (stderr).
	Log io.Writer
	// ToolVersion and Now are recorded in the plan; a zero Now is the
	// current time.
	ToolVersion string
	Now         time.Time
	// MaxChangePercent is the mass-change guard's threshold the plan is
	// checked against, to warn when apply will refuse it; nil is the
	// default.
	MaxChangePercent *float64
}

// Result is what the pipeline produced.
type Result struct {
	// Loaded is the configuration.
	Loaded *loader.Result
	// Plan is the plan.
	Plan *planner.Plan
	// Guard is the refusal apply's mass-change guard will give the plan
	// at Request.MaxChangePercent (the plan warns of it), or nil.
	Guard *applier.GuardError
	// Session is the open API connection the plan was read through, for
	// applying it; the caller closes it.
	Session *Session
}

// Plan runs load → select scope → connect → fetch → build. On success
// the caller owns res.Session and closes it. Configuration problems are
// exit 3 (printed on req.Log when loading), API errors exit 1.
func Plan(ctx context.Context, req Request) (*Result, error) {
	res := &Result{Loaded: req.Loaded}
	if res.Loaded == nil {
		var err error
		if res.Loaded, err = Load(ctx, req.Log, req.Dir); err != nil {
			return nil, err
		}
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	opts := planner.Options{
		BaseRef:     req.Base,
		Targets:     req.Targets,
		ToolVersion: req.ToolVersion,
		CreatedAt:   now.UTC().Truncate(time.Second),
		Source:      planner.Source{Dir: filepath.ToSlash(filepath.Clean(req.Dir))},
	}
	if req.SourceDir != "" {
		opts.Source.Dir = req.SourceDir
	}
	if req.Base != "" {
		var err error
		if opts.Base, err = LoadBase(ctx, req.Log, req.Dir, req.Base); err != nil {
			return nil, err
		}
	}
	// Outside a git repository the plan simply has no commit.
	switch info, err := loader.GitInfo(req.Dir); {
	case err == nil:
		opts.Source.Commit = info.Commit
		opts.Source.Dirty = info.Dirty
	case !errors.Is(err, loader.ErrNotRepo):
		fmt.Fprintf(req.Log, "warning: the plan records no commit: %v\n", err)
	}

	// Scope selection: which resources this run reads and plans: the
	// --target addresses, within the changed scopes or the shard.
	opts.Coverage = req.Scope.coverage(req.Log, res.Loaded.Config, opts.Base, req.Base)
	fetchOpts := planner.FetchOptions{Concurrency: req.API.Concurrency, Targets: req.Targets, Coverage: opts.Coverage}

	sess, err := req.API.Connect(ctx, req.Getenv, req.Log)
	if err != nil {
		return nil, err
	}
	live, err := planner.Fetch(ctx, sess.Client, res.Loaded.Config, fetchOpts)
	if err != nil {
		sess.Close()
		return nil, planError(err, res.Loaded)
	}
	if res.Plan, err = planner.Build(res.Loaded.Config, live, opts); err != nil {
		sess.Close()
		return nil, planError(err, res.Loaded)
	}
	// Where the plan was read from, and whether apply's guard will refuse
	// it, are part of the plan (and of its fingerprint).
	res.Guard = Guard(res.Plan, req.MaxChangePercent)
	if w := GuardWarning(res.Guard); w != "" {
		res.Plan.Warnings = append(res.Plan.Warnings, w)
	}
	res.Plan.SetTarget(req.API.Target(req.Getenv))
	res.Session = sess
	return res, nil
}

// planError gives configuration problems found while planning (an
// organization to create without name, a --target that matches nothing)
// exit 3; everything else (API errors) stays exit 1.
func planError(err error, res *loader.Result) error {
	var ce *planner.ConfigError
	if errors.As(err, &ce) {
		return WithCode(ExitInvalid, positioned(err, res))
	}
	return err
}

// positioned puts FILE:LINE:COL of the configuration in front of each
// planner.ConfigError in err (one, or several joined), so a plan error
// points at the file and line to fix, as validation errors do.
func positioned(err error, res *loader.Result) error {
	if res == nil {
		return err
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range joined.Unwrap() {
			out = append(out, positioned(e, res))
		}
		return errors.Join(out...)
	}
	var ce *planner.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	path := ce.Path()
	if path == nil {
		return err // a problem of the command line (a --target that matches nothing)
	}
	if pos := res.Position(path...); pos != "" {
		return fmt.Errorf("%s: %w", pos, err)
	}
	return err
}

// LoadBase loads the configuration at git revision ref, for revocations.
// A directory that did not exist at ref (or held no .cue files) is an empty
// configuration: every revocation declared now is new. Notes and problems
// go to log.
func LoadBase(ctx context.Context, log io.Writer, dir, ref string) (*schema.Config, error) {
	l, err := loader.New(loader.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	res, err := l.LoadRevision(dir, ref)
	switch {
	case err == nil:
		return res.Config, nil
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, loader.ErrNoFiles):
		fmt.Fprintf(log, "note: %s has no configuration at --base %s; every revocation declared now is planned\n", dir, ref)
		return &schema.Config{}, nil
	case errors.Is(err, loader.ErrNotRepo):
		return nil, Usagef("--base %s needs a git repository, and %s is not in one", ref, dir)
	}
	var problems loader.Errors
	if errors.As(err, &problems) {
		fmt.Fprintf(log, "the configuration at --base %s is invalid:\n", ref)
		if err := WriteProblemsText(log, problems); err != nil {
			return nil, err
		}
		return nil, InvalidReported(len(problems))
	}
	// A --base that names no readable commit is the command line's
	// problem (exit 3); loader's message says what to fetch in a shallow
	// clone. Anything else (a corrupt object store) is a runtime error.
	var re *loader.RevisionError
	if errors.As(err, &re) {
		return nil, WithCode(ExitInvalid, fmt.Errorf("--base %s: %w", ref, err))
	}
	return nil, fmt.Errorf("--base %s: %w", ref, err)
}
