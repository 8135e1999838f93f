package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/ztsync/ztsync/atomicfile"
	"github.com/ztsync/ztsync/pipeline"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/planner/render"
)

const planSynopsis = "plan [--dir DIR] [--out FILE] [--format text|json|markdown] [--detailed-exitcode] [--base REF [--all]] [--shard K/N] [--target ADDR]... [common]"

const planExample = `
ztsync plan --dir examples/quickstart --emulator examples/quickstart/live.json
  ztsync plan --dir config --base origin/main --out plan.json --detailed-exitcode`

// runPlan loads the configuration, reads the live state and prints the plan
// (docs/plan-format.md, docs/cli.md). Exit 0 with no changes (or with changes without
// --detailed-exitcode), 2 with changes and --detailed-exitcode, 3 for an
// invalid configuration or usage, 1 for API and other runtime errors.
func runPlan(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "plan", planSynopsis, planExample)
	dir := fs.String("dir", ".", "configuration `DIR`ectory")
	out := fs.String("out", "", "also write the plan as JSON to `FILE` (for apply)")
	format := fs.String("format", "text", "output `FORMAT`: text, json or markdown")
	detailed := fs.Bool("detailed-exitcode", false, "exit 2 when the plan has changes")
	base := fs.String("base", "", "git `REF` (HEAD~1, origin/main, a SHA) to compare with: only scopes whose configuration changed since REF are read (see --all), and revocations new since REF are planned")
	var targets pipeline.StringList
	fs.Var(&targets, "target", "plan only this `ADDR`ess or address prefix (account/prod); repeatable")
	scope := pipeline.AddScopeFlags(fs)
	api := pipeline.AddAPIFlags(fs)
	api.Terminal = e.terminal(e.stderr)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	switch *format {
	case "text", "json", "markdown":
	default:
		return usageErrorf("--format must be text, json or markdown, not %q", *format)
	}
	if *base == "" && api.Set("base") {
		return usageErrorf("--base is empty; give a git revision (HEAD~1, origin/main, a SHA) or leave the flag out")
	}
	if *out == "-" {
		return usageErrorf("--out - is not stdout; use --format json to print the plan file to stdout")
	}

	res, err := pipeline.Plan(ctx, pipeline.Request{
		Dir:         *dir,
		Base:        *base,
		Targets:     targets,
		Scope:       *scope,
		API:         api,
		Getenv:      e.getenv,
		Log:         e.stderr,
		ToolVersion: toolVersion(),
	})
	if err != nil {
		return err
	}
	defer res.Session.Close()
	p := res.Plan

	if *out != "" {
		if err := atomicfile.Write(*out, 0o644, func(w io.Writer) error { return planner.WritePlan(w, p) }); err != nil {
			return fmt.Errorf("write plan file: %w", err)
		}
	}
	switch *format {
	case "json":
		err = planner.WritePlan(e.stdout, p)
	case "markdown":
		err = render.Markdown(e.stdout, p, render.MarkdownOptions{})
	default:
		color := e.terminal(e.stdout) && e.getenv("NO_COLOR") == ""
		err = render.Text(e.stdout, p, render.TextOptions{Color: color})
	}
	if err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	planHints(e, p, res.Guard, planSelection(fs, *dir, targets), *out)
	if *detailed && p.HasChanges() {
		return pipeline.ChangesReported()
	}
	return nil
}

// planSelection is the plan flags that decide what a plan holds (--dir,
// --base, --all, --shard, --target), as the hint to run it again needs them.
func planSelection(fs *flag.FlagSet, dir string, targets []string) string {
	sel := "--dir " + dir
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "all":
			sel += " --all"
		case "base", "shard":
			sel += " --" + f.Name + " " + f.Value.String()
		}
	})
	for _, t := range targets {
		sel += " --target " + t
	}
	return sel
}
