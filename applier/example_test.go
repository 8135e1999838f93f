package applier_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// Apply a plan against the emulator: check it is not stale, apply it, print
// the report.
func ExampleApply() {
	ctx := context.Background()
	emu := emulator.New(emulator.Options{Token: "example-token"})
	emu.SetOrganization(schema.KindAccount, "699d98642c564d2e855e9661899b7252", schema.Object{
		"name": "Widget Corps", "auth_domain": "widget.cloudflareaccess.com", "session_duration": "24h",
	})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	client, err := cfapi.New(cfapi.Options{BaseURL: srv.URL + emulator.PathPrefix, Token: "example-token"})
	if err != nil {
		panic(err)
	}

	desired := &schema.Config{Accounts: map[string]*schema.Account{
		"prod": {ID: "699d98642c564d2e855e9661899b7252", Organization: schema.Object{"session_duration": "12h"}},
	}}
	live, err := planner.Fetch(ctx, client, desired, planner.FetchOptions{})
	if err != nil {
		panic(err)
	}
	p, err := planner.Build(desired, live, planner.Options{})
	if err != nil {
		panic(err)
	}

	if err := applier.CheckStale(ctx, client, p, 4); err != nil {
		panic(err)
	}
	report, err := applier.Apply(ctx, client, p, applier.Options{
		Concurrency: 4,
		Ambiguous:   func(err error) bool { return errors.Is(err, cfapi.ErrAmbiguous) },
	})
	if err != nil {
		panic(err)
	}
	_ = report.Write(os.Stdout)
	fmt.Println("ok:", report.OK())
	// Output:
	// account/prod/organization: applied (update)
	// Apply complete: 1 applied, 0 failed, 0 skipped.
	// ok: true
}
