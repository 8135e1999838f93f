package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/loader"
	"github.com/ztsync/ztsync/pipeline"
	"github.com/ztsync/ztsync/planner"
)

const config = `
accounts: prod: {
	id: "699d98642c564d2e855e9661899b7252"
	organization: {
		name:             "Widget Corps"
		auth_domain:      "widgetcorps.cloudflareaccess.com"
		session_duration: "12h"
	}
}
`

const state = `{"accounts": {"699d98642c564d2e855e9661899b7252": {"organization": {
	"name": "Widget Corps", "auth_domain": "widgetcorps.cloudflareaccess.com", "session_duration": "24h"}}}}`

// fixture writes the configuration and the emulator state and returns the
// directory and the API flags parsed from args (plus --emulator STATE).
func fixture(t *testing.T, cue string, args ...string) (string, *pipeline.APIFlags) {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "zt")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.cue"), []byte(cue), 0o644); err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(root, "live.json")
	if err := os.WriteFile(live, []byte(state), 0o644); err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	api := pipeline.AddAPIFlags(fs)
	if err := fs.Parse(append([]string{"--emulator", live}, args...)); err != nil {
		t.Fatal(err)
	}
	return dir, api
}

func noEnv(string) string { return "" }

func TestPlanPipeline(t *testing.T) {
	t.Parallel()
	dir, api := fixture(t, config)
	var log bytes.Buffer
	res, err := pipeline.Plan(context.Background(), pipeline.Request{Dir: dir, API: api, Getenv: noEnv, Log: &log, ToolVersion: "9.9.9"})
	if err != nil {
		t.Fatalf("Plan: %v\n%s", err, log.String())
	}
	defer res.Session.Close()
	if len(res.Plan.Changes) != 1 || res.Plan.Changes[0].Action != planner.Update || res.Plan.Changes[0].Address != "account/prod/organization" {
		t.Fatalf("changes = %+v", res.Plan.Changes)
	}
	if res.Plan.ToolVersion != "9.9.9" || res.Plan.Source.Dir != filepath.ToSlash(dir) {
		t.Errorf("tool version %q, source dir %q", res.Plan.ToolVersion, res.Plan.Source.Dir)
	}
	if res.Loaded == nil || len(res.Loaded.Files) != 1 {
		t.Errorf("loaded = %+v", res.Loaded)
	}
	// The session stays open for apply: the same client reads again.
	if _, err := res.Session.Client.GetOrganization(context.Background(), res.Plan.Changes[0].Scope); err != nil {
		t.Errorf("session closed after Plan: %v", err)
	}
}

func TestPlanPipelineErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cue      string
		args     []string
		targets  []string
		getenv   func(string) string
		noEmu    bool
		wantCode int
		want     string // in the error or the log
	}{
		{name: "invalid configuration", cue: `accounts: prod: {id: 12}`, wantCode: pipeline.ExitInvalid, want: "invalid: 1 problem"},
		{name: "target matches nothing", cue: config, targets: []string{"account/nope"}, wantCode: pipeline.ExitInvalid, want: "account/nope"},
		{name: "bad flag value", cue: config, args: []string{"--concurrency", "0"}, wantCode: pipeline.ExitInvalid, want: "--concurrency must be at least 1"},
		{name: "no credentials", cue: config, noEmu: true, wantCode: pipeline.ExitError, want: "no Cloudflare credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, api := fixture(t, tt.cue, tt.args...)
			if tt.noEmu {
				fs := flag.NewFlagSet("test", flag.ContinueOnError)
				api = pipeline.AddAPIFlags(fs)
			}
			var log bytes.Buffer
			res, err := pipeline.Plan(context.Background(), pipeline.Request{Dir: dir, Targets: tt.targets, API: api, Getenv: noEnv, Log: &log})
			if err == nil {
				res.Session.Close()
				t.Fatal("Plan succeeded")
			}
			if got := pipeline.Code(err); got != tt.wantCode {
				t.Errorf("code %d, want %d (%v)", got, tt.wantCode, err)
			}
			if text := err.Error() + "\n" + log.String(); !strings.Contains(text, tt.want) {
				t.Errorf("%q not in:\n%s", tt.want, text)
			}
		})
	}
}

func TestCode(t *testing.T) {
	t.Parallel()
	if pipeline.Code(nil) != pipeline.ExitOK {
		t.Error("nil is not exit 0")
	}
	if pipeline.Code(errors.New("x")) != pipeline.ExitError {
		t.Error("a plain error is not exit 1")
	}
	wrapped := fmt.Errorf("context: %w", pipeline.WithCode(pipeline.ExitRefused, errors.New("stale")))
	if pipeline.Code(wrapped) != pipeline.ExitRefused || wrapped.Error() != "context: stale" {
		t.Errorf("wrapped: code %d, %q", pipeline.Code(wrapped), wrapped)
	}
	if pipeline.WithCode(pipeline.ExitInvalid, nil) != nil {
		t.Error("WithCode(nil) is not nil")
	}
	// The exit code follows the error's type through any wrapping.
	for _, tt := range []struct {
		err  error
		want int
	}{
		{&planner.ConfigError{Address: "account/a/organization", Message: "m"}, pipeline.ExitInvalid},
		{loader.Errors{{File: "a.cue", Msg: "m"}}, pipeline.ExitInvalid},
		{&applier.GuardError{}, pipeline.ExitRefused},
		{&applier.StaleError{}, pipeline.ExitRefused},
		{&applier.AppliedError{Path: "plan.json.applied"}, pipeline.ExitRefused},
		{pipeline.ChangesReported(), pipeline.ExitChanges},
		{pipeline.InvalidReported(2), pipeline.ExitInvalid},
	} {
		wrapped := fmt.Errorf("apply: %w; nothing was written", tt.err)
		if got := pipeline.Code(wrapped); got != tt.want {
			t.Errorf("Code(%T wrapped) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// TestLoadHonoursContext: a cancelled context ends the configuration load
// (Ctrl-C during a plan), with the cause, and no configuration comes back.
func TestLoadHonoursContext(t *testing.T) {
	t.Parallel()
	dir, _ := fixture(t, config)
	if res, err := pipeline.Load(t.Context(), new(bytes.Buffer), dir); err != nil || res == nil {
		t.Fatalf("Load with a live context: %v", err)
	}
	cause := errors.New("interrupted")
	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(cause)
	res, err := pipeline.Load(ctx, new(bytes.Buffer), dir)
	if !errors.Is(err, cause) || res != nil {
		t.Fatalf("Load with a cancelled context = %v, %v; want the cause %q", res, err, cause)
	}
	_, err = pipeline.Plan(ctx, pipeline.Request{Dir: dir, Log: new(bytes.Buffer)})
	if !errors.Is(err, cause) {
		t.Fatalf("Plan with a cancelled context = %v; want the cause %q", err, cause)
	}
}
