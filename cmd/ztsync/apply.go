package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/pipeline"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/planner/render"
)

const applySynopsis = "apply [PLANFILE] [--dir DIR] [--auto-approve] [--target ADDR]... [--max-change-percent N] [common]"

const applyExample = `
ztsync plan --dir config --out plan.json && ztsync apply plan.json
  cp examples/quickstart/live.json /tmp/live.json && ztsync apply --dir examples/quickstart --emulator /tmp/live.json --auto-approve`

// confirmPrompt is the question apply without a plan file asks on a
// terminal (Terraform's wording).
const confirmPrompt = "Do you want to apply these changes? Only 'yes' will be accepted: "

// runApply applies a reviewed plan file, or plans and applies after
// confirmation (docs/security.md, docs/cli.md).
//
// With PLANFILE ("-" reads it from stdin): the file is checked (a bad, tampered or foreign file is
// exit 3), every resource it changes is read again and a plan whose
// resources moved is refused (exit 4, nothing written), then the
// mass-change guard (exit 4), then the changes. --dir is not used and
// --target is refused: the plan file already is the selection.
//
// Without PLANFILE: plan as `ztsync plan` does (no --base, so no
// revocations), print it, apply the guard, and ask for "yes" on a terminal.
// When stdin is not a terminal --auto-approve is required (exit 3 without
// it, before any API call). Any answer but "yes" cancels: "Apply
// cancelled.", exit 1, as Terraform does.
//
// Each change is reported once on stdout as it ends, then the summary. With --emulator the
// emulator's state is written back after the apply, whatever its outcome.
// Exit 1 when any change failed, was skipped, did not converge or was not
// started because of Ctrl-C.
func runApply(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "apply", applySynopsis, applyExample)
	dir := fs.String("dir", ".", "configuration `DIR`ectory (without PLANFILE)")
	autoApprove := fs.Bool("auto-approve", false, "apply without asking for confirmation (required without PLANFILE when stdin is not a terminal)")
	var targets pipeline.StringList
	fs.Var(&targets, "target", "plan and apply only this `ADDR`ess or address prefix (account/prod); repeatable; not with PLANFILE")
	maxPct := fs.Float64("max-change-percent", applier.DefaultMaxChangePercent,
		"refuse a plan that changes more than this `PERCENT` of the declared resources when more than 10 are declared (100 turns the guard off)")
	api := pipeline.AddAPIFlags(fs)
	api.Terminal = e.terminal(e.stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageErrorf("unexpected argument %q: apply takes at most one plan file", pos[1])
	}
	if err := pipeline.CheckPercent("max-change-percent", *maxPct); err != nil {
		return err
	}
	a := &applyRun{e: e, api: api, maxPct: *maxPct}
	if len(pos) == 1 {
		if len(targets) > 0 {
			return usageErrorf("--target cannot be used with a plan file: the plan already holds only the changes it was made for; plan again with --target")
		}
		if api.Set("dir") {
			return usageErrorf("--dir cannot be used with a plan file: the plan holds its changes, made from the directory it names in source.dir")
		}
		return a.planFile(ctx, pos[0])
	}
	if !*autoApprove && !e.terminal(e.stdin) {
		t := api.Target(e.getenv)
		flags := ""
		if f := pipeline.TargetFlags(&planner.Plan{Target: &t}); f != "" {
			flags = " " + f
		}
		return usageErrorf("stdin is not a terminal, so apply cannot ask for confirmation; pass --auto-approve, or apply a reviewed plan file (ztsync plan --dir %s%s --out plan.json, then ztsync apply plan.json%s)", *dir, flags, flags)
	}
	return a.fromConfig(ctx, *dir, targets, *autoApprove)
}

// applyRun is one apply command.
type applyRun struct {
	e      *env
	api    *pipeline.APIFlags
	maxPct float64
}

// planFile applies a plan file.
func (a *applyRun) planFile(ctx context.Context, path string) error {
	p, data, err := readPlanFile(a.e, path)
	if err != nil {
		return err
	}
	if !p.HasChanges() {
		fmt.Fprintln(a.e.stdout, "No changes. Nothing to apply.")
		return nil
	}
	if err := a.api.CheckTarget(p, path, a.e.getenv); err != nil {
		return err
	}
	// A plan file is applied once: its record, next to it, is read under
	// a lock held until the apply ends, and written before the first write.
	var rec *applier.RecordFile
	if path == "-" {
		fmt.Fprintln(a.e.stderr, "Warning: the plan was read from stdin, so ztsync cannot record next to it that it was applied; a second apply of the same plan will not be refused.")
	} else {
		rec, err = applier.OpenRecord(ctx, path, data, p.Fingerprint, nil, func() {
			fmt.Fprintf(a.e.stderr, "Waiting for another apply of %s to finish...\n", path)
		})
		if errors.As(err, new(*applier.AppliedError)) {
			return fmt.Errorf("%w; nothing was written", err) // exit 4, by its type
		}
		if err != nil {
			return err
		}
		defer rec.Close()
	}
	sess, err := a.api.Connect(ctx, a.e.getenv, a.e.stderr)
	if err != nil {
		return err
	}
	defer sess.Close()
	if err := applier.CheckStale(ctx, sess.Client, p, a.api.Concurrency); err != nil {
		var se *applier.StaleError
		if errors.As(err, &se) {
			return fmt.Errorf("%w; nothing was written%s", err, appliedAlreadyHint(p, se)) // exit 4, by its type
		}
		return fmt.Errorf("check the plan against the live state: %w", err)
	}
	return a.apply(ctx, sess, p, rec, func(context.Context) error {
		// After the guard, before the first write.
		if rec != nil {
			if err := rec.Start(); err != nil {
				return fmt.Errorf("%w; nothing was written (a plan whose apply cannot be recorded is not applied)", err)
			}
		}
		fmt.Fprintf(a.e.stderr, "Applying %s: %s\n", path, render.Summary(p))
		return nil
	})
}

// fromConfig plans from the configuration in dir and applies after
// confirmation.
func (a *applyRun) fromConfig(ctx context.Context, dir string, targets []string, autoApprove bool) error {
	res, err := pipeline.Plan(ctx, pipeline.Request{
		Dir:              dir,
		Targets:          targets,
		API:              a.api,
		Getenv:           a.e.getenv,
		Log:              a.e.stderr,
		ToolVersion:      toolVersion(),
		MaxChangePercent: &a.maxPct, // the plan warns at the threshold this apply enforces
	})
	if err != nil {
		return err
	}
	sess, p := res.Session, res.Plan
	defer sess.Close()
	color := a.e.terminal(a.e.stdout) && a.e.getenv("NO_COLOR") == ""
	if err := render.Text(a.e.stdout, p, render.TextOptions{Color: color}); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	if !p.HasChanges() {
		return nil
	}
	// The mass-change guard runs first, inside apply: a plan it refuses
	// is never put to the question.
	return a.apply(ctx, sess, p, nil, func(ctx context.Context) error {
		if !autoApprove {
			ok, err := confirm(ctx, a.e)
			if err != nil {
				return err
			}
			if !ok {
				fmt.Fprintln(a.e.stdout, "Apply cancelled.")
				return errors.New("apply cancelled: the answer was not 'yes'; nothing was written")
			}
		}
		fmt.Fprintln(a.e.stdout)
		return nil
	})
}

// apply runs the mass-change guard (exit 4 when it refuses), then confirm,
// then makes the changes, prints progress and the report, and writes the
// emulator state back.
func (a *applyRun) apply(ctx context.Context, sess *pipeline.Session, p *planner.Plan, rec *applier.RecordFile, confirm func(context.Context) error) error {
	var observe func(applier.Event)
	if rec != nil {
		observe = func(ev applier.Event) {
			if err := rec.Progress(ev); err != nil {
				fmt.Fprintf(a.e.stderr, "Warning: %v\n", err)
			}
		}
	}
	rep, err := pipeline.Apply(ctx, sess, p, a.api.Concurrency, a.maxPct, confirm, a.e.stdout, observe)
	if errors.As(err, new(*applier.GuardError)) {
		return fmt.Errorf("%w; nothing was written", err) // exit 4, by its type
	}
	if err != nil {
		return err
	}
	if rec != nil {
		if err := rec.Finish(rep); err != nil {
			fmt.Fprintf(a.e.stderr, "Warning: %v\n", err)
		}
	}
	saveErr := sess.Save()
	if !rep.OK() {
		c := rep.Counts()
		var parts []string
		if c.Failed > 0 {
			parts = append(parts, fmt.Sprintf("%d failed", c.Failed))
		}
		if c.Skipped > 0 {
			parts = append(parts, fmt.Sprintf("%d skipped", c.Skipped))
		}
		if c.NotConverged > 0 {
			parts = append(parts, fmt.Sprintf("%d written but not converged (read back differs)", c.NotConverged))
		}
		if c.Refused > 0 {
			parts = append(parts, fmt.Sprintf("%d refused (moved since the plan, or a body the plan's diff does not explain; nothing written for them)", c.Refused))
		}
		msg := fmt.Sprintf("%d of %d changes did not apply cleanly: %s", len(rep.Results)-c.Applied, len(rep.Results), strings.Join(parts, ", "))
		if c.Interrupted > 0 {
			msg = fmt.Sprintf("interrupted: %d changes not started; run plan again to see what is left", c.Interrupted)
		}
		if saveErr != nil {
			msg += "; " + saveErr.Error()
		}
		code := ExitError
		if c.Refused > 0 && c.Failed == 0 && c.NotConverged == 0 && c.Interrupted == 0 && saveErr == nil {
			code = ExitRefused // only refusals (and what they skipped)
		}
		return withCode(code, errors.New(msg))
	}
	return saveErr
}

// confirm asks for "yes" on stdin. Ctrl-C while waiting cancels.
func confirm(ctx context.Context, e *env) (bool, error) {
	fmt.Fprint(e.stderr, "\n"+confirmPrompt)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(e.stdin).ReadString('\n')
		answer <- strings.TrimSpace(line)
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(e.stderr)
		return false, errors.New("apply cancelled: interrupted while waiting for confirmation; nothing was written")
	case s := <-answer:
		return s == "yes", nil
	}
}

// readPlanFile reads and checks a plan file ("-": stdin). Any problem is a
// usage error (exit 3).
func readPlanFile(e *env, path string) (*planner.Plan, []byte, error) {
	var r io.Reader = e.stdin
	if path != "-" {
		// A plan file is a regular file, where its applied record can
		// live beside it; and opening a named pipe would block before
		// anything could stop it. A plan on a pipe is read with "-".
		if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
			return nil, nil, withCode(ExitInvalid, fmt.Errorf("read plan file: %s is not a regular file (use - to read a plan from stdin)", path))
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, withCode(ExitInvalid, fmt.Errorf("read plan file: %w", err))
		}
		defer f.Close()
		r = f
	}
	// The bytes read are what the applied-once record names.
	var data bytes.Buffer
	p, err := planner.ReadPlan(io.TeeReader(r, &data))
	if err != nil {
		return nil, nil, withCode(ExitInvalid, fmt.Errorf("%s: %w", path, err))
	}
	return p, data.Bytes(), nil
}

// parseInterleaved parses flags that may come before or after positional
// arguments ("apply plan.json --auto-approve"), which the flag package
// alone does not; everything after "--" is positional.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args, len(args)); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
