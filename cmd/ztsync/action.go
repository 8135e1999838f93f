package main

import (
	"context"

	"github.com/ztsync/ztsync/ghaction"
)

const actionSynopsis = "action   (no flags: reads the GitHub Action's INPUT_* and GITHUB_* variables)"

const actionExample = `
# in a workflow step, through action.yml:
  - uses: ztsync/ztsync@v0
    with: {command: plan, directory: zt, cloudflare-api-token: ${{ secrets.CF_TOKEN }}}`

// runAction is the GitHub Action's entry point: it takes no flags and
// hands the step's environment to package ghaction (docs/github-action.md).
func runAction(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "action", actionSynopsis, actionExample)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	return ghaction.Run(ctx, ghaction.Env{Getenv: e.getenv, Stdout: e.stdout, Stderr: e.stderr, Version: toolVersion()})
}
