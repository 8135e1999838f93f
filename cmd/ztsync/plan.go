package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ztsync/ztsync/loader"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/planner/render"
	"github.com/ztsync/ztsync/schema"
)

const planSynopsis = "plan [--dir DIR] [--out FILE] [--format text|json|markdown] [--detailed-exitcode] [--base REF] [--target ADDR]... [common]"

const planExample = `
ztsync plan --dir examples/quickstart --emulator examples/quickstart/live.json
  ztsync plan --dir config --base origin/main --out plan.json --detailed-exitcode`

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// runPlan loads the configuration, reads the live state and prints the plan
// (DESIGN.md §4, §6). Exit 0 with no changes (or with changes without
// --detailed-exitcode), 2 with changes and --detailed-exitcode, 3 for an
// invalid configuration or usage, 1 for API and other runtime errors.
func runPlan(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "plan", planSynopsis, planExample)
	dir := fs.String("dir", ".", "configuration `DIR`ectory")
	out := fs.String("out", "", "also write the plan as JSON to `FILE` (for apply)")
	format := fs.String("format", "text", "output `FORMAT`: text, json or markdown")
	detailed := fs.Bool("detailed-exitcode", false, "exit 2 when the plan has changes")
	base := fs.String("base", "", "git `REF` (HEAD~1, origin/main, a SHA) to compare with: revocations new since REF are planned")
	var targets stringList
	fs.Var(&targets, "target", "plan only this `ADDR`ess or address prefix (account/prod); repeatable")
	common := addCommonFlags(fs)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	switch *format {
	case "text", "json", "markdown":
	default:
		return usageErrorf("--format must be text, json or markdown, not %q", *format)
	}
	if *base == "" && common.set("base") {
		return usageErrorf("--base is empty; give a git revision (HEAD~1, origin/main, a SHA) or leave the flag out")
	}
	if *out == "-" {
		return usageErrorf("--out - is not stdout; use --format json to print the plan file to stdout")
	}

	res, err := loadConfig(e, *dir)
	if err != nil {
		return err
	}
	opts := planner.Options{
		BaseRef:     *base,
		Targets:     targets,
		ToolVersion: version,
		CreatedAt:   time.Now().UTC().Truncate(time.Second),
		Source:      planner.Source{Dir: filepath.ToSlash(*dir)},
	}
	if *base != "" {
		opts.Base, err = loadBase(e, *dir, *base)
		if err != nil {
			return err
		}
	}
	// Outside a git repository the plan simply has no commit.
	switch info, err := loader.GitInfo(*dir); {
	case err == nil:
		opts.Source.Commit = info.Commit
		opts.Source.Dirty = info.Dirty
	case !errors.Is(err, loader.ErrNotRepo):
		fmt.Fprintf(e.stderr, "warning: the plan records no commit: %v\n", err)
	}

	sess, err := common.connect(ctx, e)
	if err != nil {
		return err
	}
	defer sess.close()

	live, err := planner.Fetch(ctx, sess.Client, res.Config, planner.FetchOptions{Concurrency: common.concurrency, Targets: targets})
	if err != nil {
		return planError(err, res)
	}
	p, err := planner.Build(res.Config, live, opts)
	if err != nil {
		return planError(err, res)
	}

	if *out != "" {
		if err := writeFileAtomic(*out, 0o644, func(w io.Writer) error { return planner.WritePlan(w, p) }); err != nil {
			return fmt.Errorf("write plan file: %w", err)
		}
	}
	switch *format {
	case "json":
		err = render.JSON(e.stdout, p)
	case "markdown":
		err = render.Markdown(e.stdout, p, render.MarkdownOptions{})
	default:
		color := e.terminal(e.stdout) && e.getenv("NO_COLOR") == ""
		err = render.Text(e.stdout, p, render.TextOptions{Color: color})
	}
	if err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	if *out != "" {
		fmt.Fprintf(e.stderr, "Plan saved to %s; apply it with: ztsync apply %s\n", *out, *out)
	}
	if *detailed && p.HasChanges() {
		return withCode(ExitChanges, errSilent)
	}
	return nil
}

// planError gives configuration problems found while planning (an
// organization to create without name, a --target that matches nothing)
// exit 3; everything else (API errors) stays exit 1.
func planError(err error, res *loader.Result) error {
	var ce *planner.ConfigError
	if errors.As(err, &ce) {
		return withCode(ExitInvalid, positioned(err, res))
	}
	return err
}

// positioned puts FILE:LINE:COL of the configuration in front of each
// planner.ConfigError in err (one, or several joined), so a plan error
// points at the file and line to fix, as validation errors do.
func positioned(err error, res *loader.Result) error {
	if res == nil || res.Position == nil {
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
	kind, rest, _ := strings.Cut(ce.Address, "/")
	if kind != string(schema.KindAccount) && kind != string(schema.KindZone) {
		return err // not a resource address (e.g. a --target that matches nothing)
	}
	name, rest, _ := strings.Cut(rest, "/")
	path := []string{kind + "s", name}
	if rest != "" {
		path = append(path, strings.Split(rest, "/")...)
	}
	if pos := res.Position(path...); pos != "" {
		return fmt.Errorf("%s: %w", pos, err)
	}
	return err
}

// loadBase loads the configuration at git revision ref, for revocations.
// A directory that did not exist at ref (or held no .cue files) is an empty
// configuration: every revocation declared now is new.
func loadBase(e *env, dir, ref string) (*schema.Config, error) {
	l, err := loader.New()
	if err != nil {
		return nil, err
	}
	res, err := l.LoadRevision(dir, ref)
	switch {
	case err == nil:
		return res.Config, nil
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, loader.ErrNoFiles):
		fmt.Fprintf(e.stderr, "note: %s has no configuration at --base %s; every revocation declared now is planned\n", dir, ref)
		return &schema.Config{}, nil
	case errors.Is(err, loader.ErrNotRepo):
		return nil, usageErrorf("--base %s needs a git repository, and %s is not in one", ref, dir)
	}
	var problems loader.Errors
	if errors.As(err, &problems) {
		fmt.Fprintf(e.stderr, "the configuration at --base %s is invalid:\n", ref)
		if err := writeProblemsText(e.stderr, problems); err != nil {
			return nil, err
		}
		return nil, withCode(ExitInvalid, errSilent)
	}
	msg := err.Error()
	if !strings.Contains(msg, "shallow") {
		msg += "; in a shallow clone (actions/checkout's default fetch-depth: 1) the base is missing: use fetch-depth: 0 or fetch it first"
	}
	return nil, withCode(ExitInvalid, fmt.Errorf("--base %s: %s", ref, msg))
}

// writeFileAtomic writes a file through a temporary file in the same
// directory and a rename, so that readers never see half a file.
func writeFileAtomic(path string, perm os.FileMode, write func(io.Writer) error) (err error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory; give a file name", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
