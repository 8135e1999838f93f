package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ztsync/ztsync/atomicfile"
	"github.com/ztsync/ztsync/export"
	"github.com/ztsync/ztsync/pipeline"
	"github.com/ztsync/ztsync/schema"
)

const exportSynopsis = `export (--account ID | --zone ID) [--name NAME] [--all-fields] [--out FILE] [common]

Reads the live Zero Trust organization of one account or zone (and the
account's DoH settings) and prints it as a ztsync configuration file that
validates and plans to "No changes." against the same live state.

Only fields ztsync may write for that scope are written; read-only fields
(created_at, updated_at, the DoH token's client_id, name, expiry), fields
ztsync does not know (mfa_config, ...) and empty values never are. By
default only values that differ from the API's defaults are written: true
booleans and non-empty text, durations, lists and login_design /
custom_pages sub-fields (name and auth_domain always). --all-fields also
writes every boolean the scope may set when it is false, so that ztsync
manages those too. The DoH token id is written as service_token_id. A live
value the schema would refuse is written commented out, not as a field.

The name defaults to the team name of an account's auth_domain (else a
slug of the organization's name), and to "zone-" and the first 8
characters of a zone's id: give a zone its domain with --name.`

const exportExample = `
ztsync export --account 699d98642c564d2e855e9661899b7252 --out config/prod.cue
  ztsync export --zone 023e105f4ecef8ad9ca31a8372d0c353 --name example.com --all-fields
  ztsync export --account 699d98642c564d2e855e9661899b7252 --emulator examples/quickstart/live.json`

// runExport prints the live organization (and DoH) of one account or zone
// as CUE (docs/cli.md). Exit 3 for bad flags, 1 when the organization does
// not exist or the API fails.
func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "export", exportSynopsis, exportExample)
	account := fs.String("account", "", "export the organization of account `ID` (32 hex characters)")
	zone := fs.String("zone", "", "export the organization of zone `ID` (32 hex characters)")
	name := fs.String("name", "", "the account's or zone's `NAME` in the configuration (default: from the organization, see above)")
	allFields := fs.Bool("all-fields", false, "also write false booleans, so that ztsync manages them")
	out := fs.String("out", "", "write the configuration to `FILE` instead of stdout")
	api := pipeline.AddAPIFlags(fs)
	api.Terminal = e.terminal(e.stderr)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}

	var scope schema.Scope
	switch {
	case *account != "" && *zone != "":
		return usageErrorf("give --account or --zone, not both")
	case *account != "":
		scope = schema.Scope{Kind: schema.KindAccount, ID: *account}
	case *zone != "":
		scope = schema.Scope{Kind: schema.KindZone, ID: *zone}
	default:
		return usageErrorf("give --account ID or --zone ID")
	}
	if !schema.IsID(scope.ID) {
		return usageErrorf("--%s %q is not an id (32 lowercase hex characters)", scope.Kind, scope.ID)
	}
	if *name != "" && !schema.IsName(*name) {
		return usageErrorf("--name %q must be a letter or digit followed by letters, digits and . _ @ -", *name)
	}
	scope.Name = *name

	sess, err := api.Connect(ctx, e.getenv, e.stderr)
	if err != nil {
		return err
	}
	defer sess.Close()

	org, err := sess.Client.GetOrganization(ctx, scope)
	if errors.Is(err, schema.ErrNotFound) {
		return fmt.Errorf("%s %s has no Zero Trust organization (or Access is not enabled): nothing to export", scope.Kind, scope.ID)
	}
	if err != nil {
		return fmt.Errorf("read the organization of %s %s: %w", scope.Kind, scope.ID, err)
	}
	var doh schema.Object
	if scope.Kind == schema.KindAccount {
		doh, err = sess.Client.GetDoH(ctx, scope)
		if errors.Is(err, schema.ErrNotFound) {
			doh, err = nil, nil
		}
		if err != nil {
			return fmt.Errorf("read the DoH settings of account %s: %w", scope.ID, err)
		}
	}

	var buf bytes.Buffer
	err = export.CUE(&buf, export.Input{
		Scope:        scope,
		Organization: org,
		DoH:          doh,
		AllFields:    *allFields,
		Source:       api.Endpoint(e.getenv),
		Time:         time.Now().UTC().Truncate(time.Second),
	})
	if err != nil {
		return err
	}
	if *out == "" {
		if _, err := e.stdout.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write the configuration: %w", err)
		}
		return nil
	}
	if err := atomicfile.Write(*out, 0o644, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	}); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	fmt.Fprintf(e.stderr, "Wrote %s %s to %s.\n", scope.Kind, scope.ID, *out)
	return nil
}
